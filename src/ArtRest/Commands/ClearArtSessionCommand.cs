using System.Management.Automation;

namespace ArtRest.Commands
{
    /// <summary>Forgets this runspace's default session.</summary>
    [Cmdlet(VerbsCommon.Clear, "ArtSession")]
    [OutputType(typeof(void))]
    public sealed class ClearArtSessionCommand : PSCmdlet
    {
        protected override void EndProcessing() => DefaultSession.Clear();
    }
}
