using System;
using System.Collections.Generic;
using System.Security;
using System.Threading;

namespace ArtRest.Client
{
    /// <summary>How far along the documented flow a session is.</summary>
    public enum ArtSessionStage
    {
        /// <summary>Identity and credentials only: nothing asked of ART yet.</summary>
        Identity,

        /// <summary>Holds a passcode from New-ArtPasscode.</summary>
        Passcode,

        /// <summary>Holds access and refresh tokens from Get-ArtToken.</summary>
        Token,

        /// <summary>Holds a connection id from New-ArtConnection: ready to send.</summary>
        Connected,
    }

    /// <summary>
    /// One session type for every step: identity, credentials and what each step added.
    /// Secrets are held only as SecureString. Sessions are shared across threads
    /// (ForEach-Object -Parallel with $using:), so the token pair lives in one immutable
    /// object swapped atomically, and refreshes go through a single-flight gate.
    /// </summary>
    public sealed class ArtSession
    {
        /// <summary>The documented base URL of ART's REST API.</summary>
        public static readonly Uri DefaultBaseUri = new Uri("https://dev.arealtimetech.com/ws");

        private readonly Uri[] _endpointUris = new Uri[ArtEndpoint.Count];
        private TokenSet? _tokens;

        internal ArtSession(
            Uri baseUri,
            string organization,
            string environment,
            string projectKey,
            string? clientId,
            SecureString? clientSecret,
            string userName,
            string? firstName,
            string? lastName)
        {
            BaseUri = baseUri;
            Organization = organization;
            Environment = environment;
            ProjectKey = projectKey;
            ClientId = clientId;
            ClientSecret = clientSecret;
            UserName = userName;
            FirstName = firstName;
            LastName = lastName;
        }

        public ArtSessionStage Stage =>
            ConnectionId != null ? ArtSessionStage.Connected
            : _tokens != null ? ArtSessionStage.Token
            : Passcode != null ? ArtSessionStage.Passcode
            : ArtSessionStage.Identity;

        public Uri BaseUri { get; }

        public string Organization { get; }

        public string Environment { get; }

        public string ProjectKey { get; }

        public string UserName { get; private set; }

        public string? FirstName { get; }

        public string? LastName { get; }

        /// <summary>The client id is an identifier, not a secret.</summary>
        public string? ClientId { get; }

        public SecureString? ClientSecret { get; }

        public SecureString? Passcode { get; private set; }

        public SecureString? AccessToken => _tokens?.AccessToken;

        public SecureString? RefreshToken => _tokens?.RefreshToken;

        /// <summary>When the access token expires (UTC), read from its "exp" claim.</summary>
        public DateTime? TokenExpiresAt => _tokens?.ExpiresAt;

        /// <summary>When the refresh token expires (UTC), when its shape tells.</summary>
        public DateTime? RefreshTokenExpiresAt => _tokens?.RefreshExpiresAt;

        /// <summary>The token's subject ("sub"): ART's id for the user.</summary>
        public string? UserId => _tokens?.Subject;

        public string? ConnectionId { get; private set; }

        /// <summary>True when the session could sign in again by itself (client secret or passcode).</summary>
        public bool CanSignIn => !Secrets.IsNullOrEmpty(ClientSecret) || !Secrets.IsNullOrEmpty(Passcode);

        internal TokenSet? Tokens => Volatile.Read(ref _tokens);

        /// <summary>Serialises refreshes of this session: one goes out, the others wait for its result.</summary>
        internal SemaphoreSlim RefreshGate { get; } = new SemaphoreSlim(1, 1);

        public override string ToString() =>
            "ArtSession " + Stage + " " + UserName + "@" + Organization + "/" + Environment
            + (ConnectionId != null ? " " + ConnectionId : string.Empty);

        /// <summary>The plain values of the secrets held, for redaction only (error and trace paths).</summary>
        internal IEnumerable<string> SecretValues()
        {
            TokenSet? tokens = Tokens;
            foreach (SecureString? secret in new[] { ClientSecret, Passcode, tokens?.AccessToken, tokens?.RefreshToken })
            {
                if (secret != null && secret.Length >= 4)
                {
                    yield return Secrets.ToPlainText(secret);
                }
            }
        }

        internal Uri EndpointUri(ArtEndpoint endpoint)
        {
            Uri? uri = _endpointUris[endpoint.Index];
            if (uri == null)
            {
                uri = new Uri(BaseUri.AbsoluteUri.TrimEnd('/') + endpoint.Path);
                _endpointUris[endpoint.Index] = uri;
            }

            return uri;
        }

        internal void SetTokens(TokenSet tokens)
        {
            Volatile.Write(ref _tokens, tokens);
            if (!string.IsNullOrEmpty(tokens.UserName))
            {
                UserName = tokens.UserName!;
            }
        }

        internal ArtSession WithPasscode(SecureString passcode)
        {
            ArtSession next = CopyIdentity();
            next.Passcode = passcode;
            return next;
        }

        internal ArtSession WithTokens(TokenSet tokens)
        {
            ArtSession next = CopyIdentity();
            next.Passcode = Passcode;
            next.SetTokens(tokens);
            return next;
        }

        internal ArtSession WithConnection(string connectionId)
        {
            ArtSession next = CopyIdentity();
            next.Passcode = Passcode;
            next._tokens = Tokens;
            next.ConnectionId = connectionId;
            return next;
        }

        /// <summary>Rebuilds a session from its serialized parts (Export-Clixml, jobs, remoting).</summary>
        internal static ArtSession Restore(
            ArtSession identity, SecureString? passcode, TokenSet? tokens, string? connectionId)
        {
            identity.Passcode = passcode;
            identity._tokens = tokens;
            identity.ConnectionId = connectionId;
            return identity;
        }

        private ArtSession CopyIdentity() =>
            new ArtSession(BaseUri, Organization, Environment, ProjectKey, ClientId, ClientSecret, UserName, FirstName, LastName);
    }

    /// <summary>An access and refresh token pair with what the client reads from them. Immutable.</summary>
    internal sealed class TokenSet
    {
        private string? _bearerHeader;

        private TokenSet(SecureString accessToken, SecureString? refreshToken, JwtClaims claims, DateTime? refreshExpiresAt, string? userName, string? bearerHeader)
        {
            AccessToken = accessToken;
            RefreshToken = refreshToken;
            ExpiresAt = claims.ExpiresAt;
            IssuedAt = claims.IssuedAt;
            Subject = claims.Subject;
            UserName = userName ?? claims.UserName;
            RefreshExpiresAt = refreshExpiresAt;
            _bearerHeader = bearerHeader;
        }

        public SecureString AccessToken { get; }

        public SecureString? RefreshToken { get; }

        public DateTime ExpiresAt { get; }

        public DateTime? IssuedAt { get; }

        public DateTime? RefreshExpiresAt { get; }

        public string? Subject { get; }

        public string? UserName { get; }

        /// <summary>
        /// "Bearer &lt;token&gt;", made once per token rather than once per message: the push
        /// path must not re-read the SecureString for every request. Private to the process.
        /// </summary>
        public string BearerHeader => _bearerHeader ??= "Bearer " + Secrets.ToPlainText(AccessToken);

        /// <summary>From the server's answer: reads the JWT (rejecting one that is not) and the refresh token's hint.</summary>
        public static TokenSet FromServer(string accessToken, string? refreshToken, string? userName)
        {
            JwtClaims claims = JwtClaims.Read(accessToken);
            return new TokenSet(
                Secrets.ToSecureString(accessToken),
                refreshToken == null ? null : Secrets.ToSecureString(refreshToken),
                claims,
                refreshToken == null ? null : JwtClaims.ReadRefreshTokenExpiry(refreshToken),
                userName,
                "Bearer " + accessToken);
        }

        /// <summary>From a deserialized session: the secrets arrive as SecureString.</summary>
        public static TokenSet FromSecure(SecureString accessToken, SecureString? refreshToken)
        {
            JwtClaims claims = JwtClaims.Read(Secrets.ToPlainText(accessToken));
            DateTime? refreshExpiry = refreshToken == null ? null : JwtClaims.ReadRefreshTokenExpiry(Secrets.ToPlainText(refreshToken));
            return new TokenSet(accessToken, refreshToken, claims, refreshExpiry, userName: null, bearerHeader: null);
        }

        /// <summary>
        /// Refresh ahead of expiry by 60 seconds, or by a quarter of the token's lifetime when
        /// that is shorter, so short-lived tokens are not refreshed on every call.
        /// </summary>
        public bool ExpiresWithinMargin(DateTime utcNow)
        {
            TimeSpan margin = TimeSpan.FromSeconds(60);
            if (IssuedAt is DateTime issued)
            {
                TimeSpan quarter = TimeSpan.FromTicks((ExpiresAt - issued).Ticks / 4);
                if (quarter < margin)
                {
                    margin = quarter;
                }
            }

            return ExpiresAt - utcNow <= margin;
        }

        public bool RefreshTokenUsable(DateTime utcNow) =>
            RefreshToken != null && RefreshToken.Length > 0 && (RefreshExpiresAt == null || RefreshExpiresAt > utcNow);
    }
}
