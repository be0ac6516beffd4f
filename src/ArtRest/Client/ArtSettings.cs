using System;
using System.Collections.Generic;
using System.IO;
using System.Security;
using System.Text.Json;

namespace ArtRest.Client
{
    /// <summary>
    /// The identity and client credentials of a call, each value taken from the first place
    /// that has it, in this order (the one statement of the precedence):
    ///   1. the cmdlet's parameters;
    ///   2. the adk-services.json file named by -ConfigurationPath;
    ///   3. the environment variables ART_BASE_URI, ART_ORG, ART_ENVIRONMENT, ART_PROJECT_KEY,
    ///      ART_CLIENT_ID, ART_CLIENT_SECRET;
    ///   4. for the base URI only, the documented https://dev.arealtimetech.com/ws.
    /// </summary>
    public sealed class ArtSettings
    {
        public string? BaseUri { get; set; }

        public string? Organization { get; set; }

        public string? Environment { get; set; }

        public string? ProjectKey { get; set; }

        public string? ClientId { get; set; }

        public SecureString? ClientSecret { get; set; }

        /// <summary>The fields of an adk-services.json file (the ADKs' own format).</summary>
        public static ArtSettings FromConfigurationFile(string path)
        {
            if (!File.Exists(path))
            {
                throw new ArtException(ArtErrorKind.ConfigurationFileNotFound, "The configuration file '" + path + "' does not exist.")
                {
                    RecommendedAction = "Check -ConfigurationPath: it names an adk-services.json file with Client-ID, Client-Secret, Org-Title, Environment and ProjectKey.",
                };
            }

            try
            {
                // Windows PowerShell 5.1 and Notepad write UTF-8 with a byte-order mark; JSON readers do not skip it.
                byte[] bytes = File.ReadAllBytes(path);
                int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
                using JsonDocument document = JsonDocument.Parse(
                    new ReadOnlyMemory<byte>(bytes, start, bytes.Length - start),
                    new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(path, "its JSON is " + root.ValueKind + ", not an object");
                }

                string? secret = Field(root, path, "Client-Secret");
                return new ArtSettings
                {
                    BaseUri = Field(root, path, "BaseUri"),
                    Organization = Field(root, path, "Org-Title"),
                    Environment = Field(root, path, "Environment"),
                    ProjectKey = Field(root, path, "ProjectKey"),
                    ClientId = Field(root, path, "Client-ID"),
                    ClientSecret = secret == null ? null : Secrets.ToSecureString(secret),
                };
            }
            catch (JsonException e)
            {
                throw Invalid(path, "it is not valid JSON (line " + (e.LineNumber + 1) + ")");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw Invalid(path, e.Message);
            }
        }

        /// <summary>The ART_* environment variables.</summary>
        public static ArtSettings FromEnvironment(Func<string, string?> variable)
        {
            string? secret = Blank(variable("ART_CLIENT_SECRET"));
            return new ArtSettings
            {
                BaseUri = Blank(variable("ART_BASE_URI")),
                Organization = Blank(variable("ART_ORG")),
                Environment = Blank(variable("ART_ENVIRONMENT")),
                ProjectKey = Blank(variable("ART_PROJECT_KEY")),
                ClientId = Blank(variable("ART_CLIENT_ID")),
                ClientSecret = secret == null ? null : Secrets.ToSecureString(secret),
            };
        }

        /// <summary>
        /// Builds a session's identity from the sources in precedence order. Every missing field is
        /// reported at once, with every place it was looked for.
        /// </summary>
        public static ArtSession Resolve(
            ArtSettings parameters, string? configurationPath, Func<string, string?> environmentVariable,
            string userName, string? firstName, string? lastName, bool clientSecretRequired)
        {
            ArtSettings file = configurationPath == null ? new ArtSettings() : FromConfigurationFile(configurationPath);
            ArtSettings environment = FromEnvironment(environmentVariable);
            var missing = new List<string>();

            string? Pick(Func<ArtSettings, string?> field, string parameter, string fileKey, string variable)
            {
                string? value = Blank(field(parameters)) ?? Blank(field(file)) ?? Blank(field(environment));
                if (value == null)
                {
                    missing.Add(Where(parameter, fileKey, variable, configurationPath));
                }

                return value;
            }

            string baseUriText = Blank(parameters.BaseUri) ?? Blank(file.BaseUri) ?? Blank(environment.BaseUri) ?? ArtSession.DefaultBaseUri.AbsoluteUri;
            string? organization = Pick(s => s.Organization, "Organization", "Org-Title", "ART_ORG");
            string? environmentName = Pick(s => s.Environment, "Environment", "Environment", "ART_ENVIRONMENT");
            string? projectKey = Pick(s => s.ProjectKey, "ProjectKey", "ProjectKey", "ART_PROJECT_KEY");
            string? clientId = Blank(parameters.ClientId) ?? Blank(file.ClientId) ?? Blank(environment.ClientId);
            SecureString? clientSecret = NonEmpty(parameters.ClientSecret) ?? NonEmpty(file.ClientSecret) ?? NonEmpty(environment.ClientSecret);
            if (clientSecretRequired)
            {
                if (clientId == null)
                {
                    missing.Add(Where("ClientId (or -Credential)", "Client-ID", "ART_CLIENT_ID", configurationPath));
                }

                if (clientSecret == null)
                {
                    missing.Add(Where("ClientSecret (or -Credential)", "Client-Secret", "ART_CLIENT_SECRET", configurationPath));
                }
            }

            if (missing.Count > 0)
            {
                throw new ArtException(
                    ArtErrorKind.ConfigurationMissing,
                    "ArtRest needs " + missing.Count + " more value" + (missing.Count == 1 ? string.Empty : "s") + ":"
                    + System.Environment.NewLine + "  " + string.Join(System.Environment.NewLine + "  ", missing))
                {
                    RecommendedAction = "Give each value as a parameter, in an adk-services.json file named by -ConfigurationPath, or in the ART_* environment variables.",
                };
            }

            return new ArtSession(ParseBaseUri(baseUriText), organization!, environmentName!, projectKey!, clientId, clientSecret, userName, firstName, lastName);
        }

        /// <summary>An absolute http or https URI, or an InvalidParameter error naming -BaseUri.</summary>
        public static Uri ParseBaseUri(string text)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArtException(ArtErrorKind.InvalidParameter, "-BaseUri '" + text + "' is not an absolute http:// or https:// URI.")
                {
                    RecommendedAction = "Give the API's base, e.g. " + ArtSession.DefaultBaseUri + ".",
                };
            }

            return uri;
        }

        private static string Where(string parameter, string fileKey, string variable, string? configurationPath) =>
            parameter.Split(' ')[0] + ": looked for parameter -" + parameter
            + (configurationPath != null ? ", key \"" + fileKey + "\" in " + configurationPath : ", no -ConfigurationPath given")
            + ", environment variable " + variable;

        private static string? Field(JsonElement root, string path, string name)
        {
            if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                throw Invalid(path, "\"" + name + "\" is " + value.ValueKind + ", not a string");
            }

            return Blank(value.GetString());
        }

        private static ArtException Invalid(string path, string why) =>
            new ArtException(ArtErrorKind.ConfigurationFileInvalid, "The configuration file '" + path + "' cannot be used: " + why + ".")
            {
                RecommendedAction = "Fix the file: a JSON object with the string keys Client-ID, Client-Secret, Org-Title, Environment and ProjectKey.",
            };

        private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value!.Trim();

        private static SecureString? NonEmpty(SecureString? value) => Secrets.IsNullOrEmpty(value) ? null : value;
    }
}
