using System.Management.Automation;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>Step 1: asks ART for a user's passcode (needs the client secret: server side only).</summary>
    [Cmdlet(VerbsCommon.New, "ArtPasscode", DefaultParameterSetName = IdentitySet)]
    [OutputType(typeof(ArtSession))]
    public sealed class NewArtPasscodeCommand : ArtIdentityCmdlet
    {
        protected override void ProcessRecord()
        {
            ArtSession identity;
            try
            {
                identity = ResolveIdentity(clientSecretRequired: true);
            }
            catch (ArtException invalid)
            {
                ThrowArtError(invalid, UserName);
                return;
            }

            try
            {
                WriteObject(Wait(Client.NewPasscodeAsync(identity, Cancellation)));
            }
            catch (ArtException failure)
            {
                // The input given was the user name: the identity built from it holds the client secret.
                WriteArtError(failure, UserName);
            }
        }
    }
}
