using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>
    /// What every cmdlet that calls ART shares: the transport parameters, the client, waiting on
    /// it with cancellation that Ctrl+C (StopProcessing) triggers, and turning failures into
    /// ErrorRecords.
    /// </summary>
    public abstract class ArtCmdlet : PSCmdlet
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private PipelineLog? _log;
        private ArtClient? _client;

        /// <summary>Seconds each request may take before it is abandoned.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 30;

        /// <summary>How many times a transient failure is retried; 0 turns retries off.</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public int MaximumRetryCount { get; set; } = 3;

        /// <summary>The first wait between retries, doubled each time (with jitter) unless the server sends Retry-After.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int RetryIntervalSec { get; set; } = 1;

        /// <summary>Allows credentials and tokens over plain http to a host that is not loopback.</summary>
        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        /// <summary>Skips TLS certificate validation. Unsafe: for test deployments only.</summary>
        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        protected ArtClient Client => _client ?? throw new InvalidOperationException("BeginProcessing has not run.");

        protected CancellationToken Cancellation => _stopping.Token;

        protected override void BeginProcessing()
        {
            bool verbose = PreferenceEnabled("Verbose", "VerbosePreference");
            bool debug = PreferenceEnabled("Debug", "DebugPreference");
            _log = verbose || debug ? new PipelineLog(verbose, debug) : null;
            if (SkipCertificateCheck)
            {
                WriteWarning("-SkipCertificateCheck: TLS certificates are not validated, so anyone between you and the server can read the credentials and tokens sent.");
            }

            _client = new ArtClient(new ArtCallOptions
            {
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                MaximumRetryCount = MaximumRetryCount,
                RetryInterval = TimeSpan.FromSeconds(RetryIntervalSec),
                SkipCertificateCheck = SkipCertificateCheck,
                AllowUnencryptedAuthentication = AllowUnencryptedAuthentication,
                Log = _log,
            });
        }

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>
        /// Blocks the pipeline thread on the client's work, writing its verbose text meanwhile.
        /// Cancellation from Ctrl+C surfaces as the pipeline stopping, never as an error.
        /// </summary>
        protected T Wait<T>(Task<T> task)
        {
            try
            {
                _log?.WaitWriting(task, this);
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        protected void Wait(Task task) => Wait(WithResult(task));

        protected void FlushLog() => _log?.Flush(this);

        /// <summary>One item failed: report it and go on with the next.</summary>
        protected void WriteArtError(ArtException exception, object? targetObject) =>
            WriteError(ArtErrors.ToErrorRecord(exception, targetObject));

        /// <summary>The invocation cannot go on.</summary>
        protected void ThrowArtError(ArtException exception, object? targetObject) =>
            ThrowTerminatingError(ArtErrors.ToErrorRecord(exception, targetObject));

        private static async Task<bool> WithResult(Task task)
        {
            await task.ConfigureAwait(false);
            return true;
        }

        private bool PreferenceEnabled(string parameter, string preferenceVariable)
        {
            if (MyInvocation.BoundParameters.TryGetValue(parameter, out object? bound))
            {
                return bound is SwitchParameter flag ? flag.IsPresent : bound is bool value && value;
            }

            object? preference = GetVariableValue(preferenceVariable);
            if (preference is PSObject wrapped)
            {
                preference = wrapped.BaseObject;
            }

            return preference is ActionPreference action
                && action != ActionPreference.SilentlyContinue
                && action != ActionPreference.Ignore;
        }
    }
}
