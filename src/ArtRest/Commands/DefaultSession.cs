using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>
    /// Each runspace's most recent connected session. Keyed by runspace, never process-wide, so
    /// ForEach-Object -Parallel and thread jobs cannot overwrite each other's default; the
    /// weak table lets a closed runspace's entry go with it.
    /// </summary>
    internal static class DefaultSession
    {
        private static readonly ConditionalWeakTable<Runspace, Holder> ByRunspace = new ConditionalWeakTable<Runspace, Holder>();

        public static ArtSession? Get()
        {
            Runspace? runspace = Runspace.DefaultRunspace;
            return runspace != null && ByRunspace.TryGetValue(runspace, out Holder? holder) ? holder.Session : null;
        }

        public static void Set(ArtSession session)
        {
            Runspace? runspace = Runspace.DefaultRunspace;
            if (runspace != null)
            {
                ByRunspace.GetOrCreateValue(runspace).Session = session;
            }
        }

        public static void Clear()
        {
            Runspace? runspace = Runspace.DefaultRunspace;
            if (runspace != null)
            {
                ByRunspace.Remove(runspace);
            }
        }

        private sealed class Holder
        {
            public ArtSession? Session { get; set; }
        }
    }
}
