using System.Management.Automation;
using System.Security;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>
    /// Step 2: exchanges credentials (client secret, passcode, or both) for an access and refresh
    /// token; with -Refresh, renews the token of a session that has one.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ArtToken", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(ArtSession))]
    public sealed class GetArtTokenCommand : ArtIdentityCmdlet
    {
        public const string SessionSet = "Session";

        /// <summary>A session from New-ArtPasscode (or any later step).</summary>
        [Parameter(ParameterSetName = SessionSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public ArtSession? Session { get; set; }

        /// <summary>A passcode from New-ArtPasscode; signs in with T-pass, no client secret needed.</summary>
        [Parameter(ParameterSetName = IdentitySet)]
        public SecureString? Passcode { get; set; }

        /// <summary>Renews the session's token now, in place, and writes the session.</summary>
        [Parameter(ParameterSetName = SessionSet)]
        public SwitchParameter Refresh { get; set; }

        protected override void ProcessRecord()
        {
            ArtSession session;
            try
            {
                session = ParameterSetName == SessionSet ? Session! : IdentityWithPasscode();
            }
            catch (ArtException invalid)
            {
                ThrowArtError(invalid, UserName);
                return;
            }

            try
            {
                if (Refresh)
                {
                    if (session.Tokens == null)
                    {
                        ThrowArtError(ArtClient.StageMissing(session, ArtSessionStage.Token), session);
                    }

                    Wait(Client.RefreshAsync(session, Cancellation));
                    WriteObject(session);
                    return;
                }

                if (!session.CanSignIn)
                {
                    ThrowArtError(
                        new ArtException(ArtErrorKind.ConfigurationMissing, "The session holds neither a client secret nor a passcode to sign in with.")
                        {
                            RecommendedAction = "Run New-ArtPasscode first, or call Get-ArtToken with -Credential or -Passcode.",
                        },
                        session);
                }

                WriteObject(Wait(Client.GetTokenAsync(session, Cancellation)));
            }
            catch (ArtException failure)
            {
                // The input given: the session piped in, or the user name (not the identity built from it, which holds secrets).
                WriteArtError(failure, ParameterSetName == SessionSet ? session : (object?)UserName);
            }
        }

        private ArtSession IdentityWithPasscode()
        {
            bool hasPasscode = !Secrets.IsNullOrEmpty(Passcode);
            ArtSession identity = ResolveIdentity(clientSecretRequired: !hasPasscode);
            return hasPasscode ? identity.WithPasscode(Passcode!) : identity;
        }
    }
}
