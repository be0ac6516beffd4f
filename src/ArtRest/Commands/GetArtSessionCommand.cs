using System.Management.Automation;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>Shows this runspace's default session: the one Send-ArtMessage uses without -Session.</summary>
    [Cmdlet(VerbsCommon.Get, "ArtSession")]
    [OutputType(typeof(ArtSession))]
    public sealed class GetArtSessionCommand : PSCmdlet
    {
        protected override void EndProcessing()
        {
            ArtSession? session = DefaultSession.Get();
            if (session != null)
            {
                WriteObject(session);
            }
        }
    }
}
