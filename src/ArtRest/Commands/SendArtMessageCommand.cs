using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>
    /// Step 4: pushes one message per pipeline input and writes one result (or one error) for each.
    /// Streams: with -ThrottleLimit N up to N pushes are in flight; results are written on the
    /// pipeline thread in input order, so memory stays bounded whatever the pipeline's length.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "ArtMessage", SupportsShouldProcess = true)]
    [OutputType(typeof(ArtMessageResult))]
    public sealed class SendArtMessageCommand : ArtCmdlet
    {
        private readonly Queue<Pending> _inFlight = new Queue<Pending>();
        private bool _toGivenOnCommandLine;

        /// <summary>A connected session; default: this runspace's most recent one from New-ArtConnection.</summary>
        [Parameter(ValueFromPipeline = true)]
        public ArtSession? Session { get; set; }

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotWhiteSpace]
        [ArgumentCompleter(typeof(RecentChannelCompleter))]
        public string? Channel { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotWhiteSpace]
        [ArgumentCompleter(typeof(RecentEventCompleter))]
        public string Event { get; set; } = "message";

        /// <summary>A string is sent as is; any other object as its JSON text.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public object? Content { get; set; }

        /// <summary>
        /// Recipients; none means everyone on the channel. "bob;carol" (as in a CSV cell) is two
        /// names, and an empty cell of a pipeline row means everyone.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[]? To { get; set; }

        /// <summary>How many pushes may be in flight at once through the session.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 1;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            // Only command-line parameters are bound yet: pipeline-bound -To comes from rows.
            _toGivenOnCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(To));
        }

        protected override void ProcessRecord()
        {
            ArtSession session = Session ?? DefaultSession.Get() ?? NoSession();
            if (session.ConnectionId == null)
            {
                ThrowArtError(ArtClient.StageMissing(session, ArtSessionStage.Connected), session);
            }

            ArtMessage message;
            try
            {
                message = new ArtMessage(Channel!, Event, MessageContent.ToText(Content), Recipients(To, _toGivenOnCommandLine));
            }
            catch (ArtException invalid)
            {
                WriteArtError(invalid, new PSObject(new { Channel, Event, Content, To }));
                return;
            }

            string recipients = message.To.Count == 0 ? "everyone" : string.Join(", ", message.To);
            if (!ShouldProcess("channel '" + message.Channel + "'", "Send '" + message.Event + "' message to " + recipients))
            {
                return;
            }

            RecentValues.Channels.Note(message.Channel);
            RecentValues.Events.Note(message.Event);
            _inFlight.Enqueue(new Pending(message, SendAsync(session, message)));
            while (_inFlight.Count >= ThrottleLimit)
            {
                Complete(_inFlight.Dequeue());
            }
        }

        protected override void EndProcessing()
        {
            while (_inFlight.Count > 0)
            {
                Complete(_inFlight.Dequeue());
            }
        }

        private async Task<ArtMessageResult> SendAsync(ArtSession session, ArtMessage message)
        {
            DateTime sentAt = DateTime.UtcNow;
            long started = Stopwatch.GetTimestamp();
            string serverMessage = await Client.PushAsync(session, message, Cancellation).ConfigureAwait(false);
            var duration = TimeSpan.FromTicks((long)((Stopwatch.GetTimestamp() - started) * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
            return new ArtMessageResult(message, session, serverMessage, sentAt, duration);
        }

        /// <summary>Every message ends as a result or as an ErrorRecord, whatever happened to it.</summary>
        private void Complete(Pending pending)
        {
            ArtMessageResult result;
            try
            {
                result = Wait(pending.Result);
            }
            catch (ArtException failure)
            {
                // The message itself is the target, so `$err.TargetObject | Send-ArtMessage` sends it again.
                WriteArtError(failure, pending.Message);
                return;
            }
            catch (Exception unexpected) when (!(unexpected is PipelineStoppedException))
            {
                WriteArtError(new ArtException(ArtErrorKind.UnexpectedFailure, "Sending the message failed unexpectedly: " + unexpected.Message, unexpected), pending.Message);
                return;
            }

            WriteObject(result);
        }

        private ArtSession NoSession()
        {
            ThrowArtError(
                new ArtException(ArtErrorKind.NoDefaultSession, "No session was given and this runspace has none: run New-ArtConnection first, or pass -Session.")
                {
                    RecommendedAction = "New-ArtPasscode ... | Get-ArtToken | New-ArtConnection, then Send-ArtMessage; or pass -Session.",
                },
                null);
            return null!;
        }

        /// <summary>
        /// Each item may hold several names separated by ',' or ';' (a CSV cell); none may be
        /// empty, except that a row's empty cell (not bound on the command line) means everyone.
        /// </summary>
        private static IReadOnlyList<string>? Recipients(string[]? to, bool givenOnCommandLine)
        {
            if (to == null || to.Length == 0)
            {
                return null;
            }

            if (!givenOnCommandLine && to.Length == 1 && string.IsNullOrWhiteSpace(to[0]))
            {
                return null;
            }

            var names = new List<string>(to.Length);
            for (int index = 0; index < to.Length; index++)
            {
                string item = to[index] ?? string.Empty;
                foreach (string part in item.IndexOf(',') < 0 && item.IndexOf(';') < 0 ? new[] { item } : item.Split(',', ';'))
                {
                    string name = part.Trim();
                    if (name.Length == 0)
                    {
                        throw new ArtException(ArtErrorKind.InvalidParameter, "-To item " + index + " ('" + item + "') has an empty recipient name.")
                        {
                            RecommendedAction = "Give recipient names without empty entries, e.g. -To bob, carol or 'bob;carol'; leave -To out to send to everyone.",
                        };
                    }

                    names.Add(name);
                }
            }

            return names;
        }

        private readonly struct Pending
        {
            public Pending(ArtMessage message, Task<ArtMessageResult> result)
            {
                Message = message;
                Result = result;
            }

            public ArtMessage Message { get; }

            public Task<ArtMessageResult> Result { get; }
        }
    }
}
