using System.Text.RegularExpressions;

namespace ArtRest.Client
{
    /// <summary>
    /// Removes secrets from text that leaves the client (debug traces, error bodies): the
    /// values of secret-named JSON properties and anything shaped like a JWT.
    /// </summary>
    public static class Redaction
    {
        public const string Marker = "***";

        /// <summary>Raw bodies kept on errors are cut to this many characters.</summary>
        public const int MaxBodyChars = 4096;

        private static readonly Regex SecretProperty = new Regex(
            "(\"(?:passcode|access_token|refresh_token|client_secret|clientSecret|Client-Secret|T-pass|token|password|secret)\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"?",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

        private static readonly Regex JwtShape = new Regex(
            "eyJ[A-Za-z0-9_-]{4,}(?:\\.[A-Za-z0-9_-]*){0,2}",
            RegexOptions.CultureInvariant | RegexOptions.Compiled);

        public static string Redact(string text)
        {
            string redacted = SecretProperty.Replace(text, "$1\"" + Marker + "\"");
            return JwtShape.Replace(redacted, Marker);
        }

        /// <summary>
        /// Truncates, then redacts: the patterns also match a secret cut off at the end
        /// (an unterminated string, a partial JWT), so nothing of one survives the cut.
        /// </summary>
        public static string RedactAndTruncate(string text)
        {
            string cut = text.Length > MaxBodyChars
                ? text.Substring(0, MaxBodyChars) + "... (" + (text.Length - MaxBodyChars) + " more characters)"
                : text;
            return Redact(cut);
        }
    }
}
