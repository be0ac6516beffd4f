using System;

namespace ArtRest.Client
{
    /// <summary>Receives the client's verbose and debug text. Implementations decide which thread writes it.</summary>
    public interface IArtLog
    {
        bool VerboseEnabled { get; }

        bool DebugEnabled { get; }

        void Verbose(string text);

        void Debug(string text);
    }

    /// <summary>How one cmdlet invocation wants its calls made. Immutable once built.</summary>
    public sealed class ArtCallOptions
    {
        /// <summary>The most time all waits between retries of one call may add up to.</summary>
        public static readonly TimeSpan RetryBudget = TimeSpan.FromSeconds(60);

        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        public int MaximumRetryCount { get; set; } = 3;

        public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

        public bool SkipCertificateCheck { get; set; }

        public bool AllowUnencryptedAuthentication { get; set; }

        public IArtLog? Log { get; set; }
    }
}
