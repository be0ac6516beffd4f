using System;
using System.Text;
using System.Text.Json;

namespace ArtRest.Client
{
    /// <summary>What a client may learn from an access token: its payload, read as the ADKs do (no signature check).</summary>
    public sealed class JwtClaims
    {
        private JwtClaims(DateTime expiresAt, DateTime? issuedAt, string? subject, string? userName)
        {
            ExpiresAt = expiresAt;
            IssuedAt = issuedAt;
            Subject = subject;
            UserName = userName;
        }

        /// <summary>From "exp", in UTC.</summary>
        public DateTime ExpiresAt { get; }

        /// <summary>From "iat", in UTC, when present.</summary>
        public DateTime? IssuedAt { get; }

        /// <summary>From "sub".</summary>
        public string? Subject { get; }

        /// <summary>From "username", else "name".</summary>
        public string? UserName { get; }

        /// <summary>Reads a JWT's payload. Anything that is not a JWT with an "exp" is an InvalidAccessToken error.</summary>
        public static JwtClaims Read(string token)
        {
            string[] parts = token.Split('.');
            if (parts.Length != 3 || parts[1].Length == 0)
            {
                throw Invalid("it is not a JWT (three dot-separated parts)");
            }

            byte[] payload;
            try
            {
                payload = Base64UrlDecode(parts[1]);
            }
            catch (FormatException)
            {
                throw Invalid("its payload is not base64url");
            }

            try
            {
                using JsonDocument document = JsonDocument.Parse(payload);
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid("its payload is not a JSON object");
                }

                if (!root.TryGetProperty("exp", out JsonElement exp) || exp.ValueKind != JsonValueKind.Number || !exp.TryGetInt64(out long expSeconds))
                {
                    throw Invalid("its payload has no numeric \"exp\"");
                }

                // "iat" only tunes the refresh margin: one that cannot be read is simply unknown.
                DateTime? issuedAt = root.TryGetProperty("iat", out JsonElement iat) && iat.ValueKind == JsonValueKind.Number
                    && iat.TryGetInt64(out long iatSeconds) && iatSeconds >= 0 && iatSeconds <= 253402300799
                    ? FromUnixSeconds(iatSeconds)
                    : (DateTime?)null;
                string? subject = StringOrNull(root, "sub");
                string? userName = StringOrNull(root, "username") ?? StringOrNull(root, "name");
                return new JwtClaims(FromUnixSeconds(expSeconds), issuedAt, subject, userName);
            }
            catch (JsonException)
            {
                throw Invalid("its payload is not JSON");
            }
        }

        /// <summary>
        /// The refresh token's expiry hint: the ADKs read "&lt;opaque&gt;.&lt;unix seconds&gt;".
        /// Any other shape means "unknown", not an error.
        /// </summary>
        public static DateTime? ReadRefreshTokenExpiry(string refreshToken)
        {
            int dot = refreshToken.IndexOf('.');
            if (dot < 0 || dot == refreshToken.Length - 1)
            {
                return null;
            }

            return long.TryParse(refreshToken.Substring(dot + 1), out long seconds) && seconds > 0 && seconds < 253402300799
                ? FromUnixSeconds(seconds)
                : (DateTime?)null;
        }

        internal static DateTime FromUnixSeconds(long seconds)
        {
            if (seconds < 0 || seconds > 253402300799)
            {
                throw Invalid("its \"exp\" is out of range");
            }

            return new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(seconds);
        }

        private static string? StringOrNull(JsonElement root, string name) =>
            root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static byte[] Base64UrlDecode(string text)
        {
            var builder = new StringBuilder(text.Length + 3);
            builder.Append(text.Replace('-', '+').Replace('_', '/'));
            switch (text.Length % 4)
            {
                case 2: builder.Append("=="); break;
                case 3: builder.Append('='); break;
                case 1: throw new FormatException();
            }

            return Convert.FromBase64String(builder.ToString());
        }

        // The token itself never goes into the message: it is a secret.
        private static ArtException Invalid(string why) => new ArtException(
            ArtErrorKind.InvalidAccessToken,
            "The access token cannot be read: " + why + ".")
        {
            RecommendedAction = "Run Get-ArtToken to get a new token from ART.",
        };
    }
}
