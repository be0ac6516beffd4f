using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace ArtRest.Client
{
    /// <summary>
    /// Removes secrets from text that leaves the client (debug traces, error bodies and the
    /// server's error texts): the session's own secret values wherever they stand, the values
    /// of secret-named JSON properties, and anything shaped like a JWT or an ART refresh token.
    /// Runs only on error and trace paths, never per successful message.
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

        // "<opaque>.<unix seconds>", the refresh-token shape the ADKs read.
        private static readonly Regex RefreshTokenShape = new Regex(
            "[A-Za-z0-9_+/=-]{16,}\\.[0-9]{9,11}(?![0-9])",
            RegexOptions.CultureInvariant | RegexOptions.Compiled);

        public static string Redact(string text, ArtSession? session = null)
        {
            if (session != null)
            {
                foreach (string secret in session.SecretValues())
                {
                    text = text.Replace(secret, Marker);
                }
            }

            string redacted = SecretProperty.Replace(text, "$1\"" + Marker + "\"");
            redacted = JwtShape.Replace(redacted, Marker);
            return RefreshTokenShape.Replace(redacted, Marker);
        }

        /// <summary>
        /// Redacts, truncates, and redacts again: the patterns also match a secret cut off at
        /// the end (an unterminated string, a partial JWT), so nothing of one survives the cut.
        /// </summary>
        public static string RedactAndTruncate(string text, ArtSession? session = null)
        {
            // Whole secrets first, while none is cut; the patterns again after the cut.
            text = Redact(text, session);
            string cut = text.Length > MaxBodyChars
                ? text.Substring(0, MaxBodyChars) + "... (" + (text.Length - MaxBodyChars) + " more characters)"
                : text;
            return Redact(cut);
        }
    }
}
