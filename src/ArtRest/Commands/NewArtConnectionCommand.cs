using System.Management.Automation;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>
    /// Step 3: opens a connection for a session with a token. The new session becomes this
    /// runspace's default for Send-ArtMessage.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "ArtConnection")]
    [OutputType(typeof(ArtSession))]
    public sealed class NewArtConnectionCommand : ArtCmdlet
    {
        /// <summary>A session from Get-ArtToken.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public ArtSession? Session { get; set; }

        protected override void ProcessRecord()
        {
            ArtSession session = Session!;
            if (session.Tokens == null)
            {
                ThrowArtError(ArtClient.StageMissing(session, ArtSessionStage.Token), session);
            }

            try
            {
                ArtSession connected = Wait(Client.NewConnectionAsync(session, Cancellation));
                DefaultSession.Set(connected);
                WriteObject(connected);
            }
            catch (ArtException failure)
            {
                WriteArtError(failure, session);
            }
        }
    }
}
