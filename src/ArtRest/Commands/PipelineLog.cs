using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>
    /// Verbose and debug text from the client, which may run on any thread, queued until the
    /// pipeline thread writes it: Cmdlet.Write* may only be called from that thread.
    /// </summary>
    internal sealed class PipelineLog : IArtLog
    {
        private readonly ConcurrentQueue<(bool IsDebug, string Text)> _pending = new ConcurrentQueue<(bool, string)>();
        private readonly SemaphoreSlim _wake = new SemaphoreSlim(0);

        public PipelineLog(bool verboseEnabled, bool debugEnabled)
        {
            VerboseEnabled = verboseEnabled;
            DebugEnabled = debugEnabled;
        }

        public bool VerboseEnabled { get; }

        public bool DebugEnabled { get; }

        public void Verbose(string text) => Enqueue(false, text);

        public void Debug(string text) => Enqueue(true, text);

        /// <summary>Waits for the task on the pipeline thread, writing queued text as it arrives.</summary>
        public void WaitWriting(Task task, Cmdlet cmdlet)
        {
            task.ContinueWith(_ => _wake.Release(), TaskContinuationOptions.ExecuteSynchronously);
            while (!task.IsCompleted)
            {
                _wake.Wait();
                Flush(cmdlet);
            }

            Flush(cmdlet);
        }

        public void Flush(Cmdlet cmdlet)
        {
            while (_pending.TryDequeue(out (bool IsDebug, string Text) entry))
            {
                if (entry.IsDebug)
                {
                    cmdlet.WriteDebug(entry.Text);
                }
                else
                {
                    cmdlet.WriteVerbose(entry.Text);
                }
            }
        }

        private void Enqueue(bool isDebug, string text)
        {
            _pending.Enqueue((isDebug, text));
            _wake.Release();
        }
    }
}
