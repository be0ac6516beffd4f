using System;
using System.Management.Automation;
using System.Security;
using ArtRest.Client;

namespace ArtRest.Commands
{
    /// <summary>
    /// The identity and credential parameters of the cmdlets that sign in (New-ArtPasscode,
    /// Get-ArtToken). Values not given here come from -ConfigurationPath, then the ART_*
    /// environment variables (see ArtSettings for the one statement of that order).
    /// </summary>
    public abstract class ArtIdentityCmdlet : ArtCmdlet
    {
        /// <summary>The parameter set of these parameters, in every cmdlet that has them.</summary>
        public const string IdentitySet = "Identity";

        /// <summary>The API's base URI; default https://dev.arealtimetech.com/ws.</summary>
        [Parameter(ParameterSetName = IdentitySet)]
        [ValidateNotWhiteSpace]
        public string? BaseUri { get; set; }

        [Parameter(ParameterSetName = IdentitySet)]
        [Alias("OrgTitle")]
        [ValidateNotWhiteSpace]
        public string? Organization { get; set; }

        [Parameter(ParameterSetName = IdentitySet)]
        [ValidateNotWhiteSpace]
        public string? Environment { get; set; }

        [Parameter(ParameterSetName = IdentitySet)]
        [ValidateNotWhiteSpace]
        public string? ProjectKey { get; set; }

        /// <summary>User name = client id, password = client secret.</summary>
        [Parameter(ParameterSetName = IdentitySet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter(ParameterSetName = IdentitySet)]
        [ValidateNotWhiteSpace]
        public string? ClientId { get; set; }

        [Parameter(ParameterSetName = IdentitySet)]
        public SecureString? ClientSecret { get; set; }

        /// <summary>An adk-services.json file (Client-ID, Client-Secret, Org-Title, Environment, ProjectKey).</summary>
        [Parameter(ParameterSetName = IdentitySet)]
        [ValidateNotWhiteSpace]
        public string? ConfigurationPath { get; set; }

        [Parameter(ParameterSetName = IdentitySet, Mandatory = true)]
        [ValidateNotWhiteSpace]
        public string? UserName { get; set; }

        [Parameter(ParameterSetName = IdentitySet)]
        public string? FirstName { get; set; }

        [Parameter(ParameterSetName = IdentitySet)]
        public string? LastName { get; set; }

        /// <summary>Builds the session identity from parameters, file and environment, in that order.</summary>
        protected ArtSession ResolveIdentity(bool clientSecretRequired)
        {
            if (Credential != null && (ClientId != null || ClientSecret != null))
            {
                throw new ArtException(
                    ArtErrorKind.InvalidParameter,
                    "-Credential and -ClientId/-ClientSecret both give the client credentials; use one or the other.");
            }

            var parameters = new ArtSettings
            {
                BaseUri = BaseUri,
                Organization = Organization,
                Environment = Environment,
                ProjectKey = ProjectKey,
                ClientId = Credential?.UserName ?? ClientId,
                ClientSecret = Credential?.Password ?? ClientSecret,
            };
            string? configurationPath = ConfigurationPath == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ConfigurationPath);
            return ArtSettings.Resolve(
                parameters, configurationPath, System.Environment.GetEnvironmentVariable,
                UserName!, FirstName, LastName, clientSecretRequired);
        }
    }
}
