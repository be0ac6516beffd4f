namespace ArtRest.Client
{
    /// <summary>How a call proves who it is.</summary>
    internal enum ArtAuth
    {
        /// <summary>Client-Id and Client-Secret, plus T-pass when a passcode is held.</summary>
        ClientCredentials,

        /// <summary>Client-Id and T-pass when known; the refresh token rides in the body.</summary>
        RefreshToken,

        /// <summary>Authorization: Bearer with the access token.</summary>
        Bearer,
    }

    /// <summary>The five ART endpoints: one descriptor each, so no call repeats another's plumbing.</summary>
    public sealed class ArtEndpoint
    {
        private ArtEndpoint(int index, string name, string path, ArtAuth auth, bool safeToResend)
        {
            Index = index;
            Name = name;
            Path = path;
            Auth = auth;
            SafeToResend = safeToResend;
        }

        public static readonly ArtEndpoint Passcode = new ArtEndpoint(0, "passcode", "/v1/connect/passcode", ArtAuth.ClientCredentials, safeToResend: true);
        public static readonly ArtEndpoint Token = new ArtEndpoint(1, "token", "/auth/token", ArtAuth.ClientCredentials, safeToResend: true);
        public static readonly ArtEndpoint Refresh = new ArtEndpoint(2, "refresh", "/auth/token/refresh", ArtAuth.RefreshToken, safeToResend: true);
        public static readonly ArtEndpoint NewConnection = new ArtEndpoint(3, "new-connection", "/v1/connect/new-connection", ArtAuth.Bearer, safeToResend: true);
        public static readonly ArtEndpoint Push = new ArtEndpoint(4, "push-message", "/v1/push-message", ArtAuth.Bearer, safeToResend: false);

        internal const int Count = 5;

        internal int Index { get; }

        public string Name { get; }

        /// <summary>Path relative to the base URI.</summary>
        public string Path { get; }

        public string Method => "POST";

        internal ArtAuth Auth { get; }

        /// <summary>
        /// False for a push: it is not idempotent, so once its request may have reached the
        /// server it is never sent again silently.
        /// </summary>
        public bool SafeToResend { get; }

        public override string ToString() => Method + " " + Path;
    }
}
