using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using ArtRest.Client;
using Xunit;

namespace ArtRest.Tests.Core;

public sealed class ArtSettingsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "artrest-core-" + Guid.NewGuid().ToString("N"));

    public ArtSettingsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string content, string name = "adk-services.json", bool bom = false)
    {
        string path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: bom));
        return path;
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, string value) in variables)
        {
            map[name] = value;
        }

        return name => map.TryGetValue(name, out string? value) ? value : null;
    }

    private static readonly Func<string, string?> NoEnv = _ => null;

    private static ArtSession Resolve(ArtSettings parameters, string? path, Func<string, string?> env, bool secretRequired = true) =>
        ArtSettings.Resolve(parameters, path, env, "user", "First", "Last", secretRequired);

    private static ArtException ResolveFails(ArtSettings parameters, string? path, Func<string, string?> env, bool secretRequired = true) =>
        Assert.IsAssignableFrom<ArtException>(Record.Exception(() => Resolve(parameters, path, env, secretRequired)));

    private static readonly (string, string)[] FullEnvironment =
    {
        ("ART_BASE_URI", "https://env.example/ws"),
        ("ART_ORG", "e-org"),
        ("ART_ENVIRONMENT", "e-env"),
        ("ART_PROJECT_KEY", "e-proj"),
        ("ART_CLIENT_ID", "e-id"),
        ("ART_CLIENT_SECRET", "e-secret"),
    };

    [Fact]
    public void EachValue_ComesFromTheFirstPlaceThatHasIt()
    {
        string path = File("{\"Org-Title\":\"f-org\",\"Environment\":\"f-env\",\"Client-ID\":\"f-id\",\"BaseUri\":\"https://file.example/ws\"}");
        var parameters = new ArtSettings { Organization = "p-org", BaseUri = "https://param.example/ws" };

        ArtSession session = Resolve(parameters, path, Env(FullEnvironment));

        Assert.Equal("p-org", session.Organization);
        Assert.Equal("f-env", session.Environment);
        Assert.Equal("e-proj", session.ProjectKey);
        Assert.Equal("f-id", session.ClientId);
        Assert.Equal("e-secret", CoreEmulator.Plain(session.ClientSecret));
        Assert.Equal(new Uri("https://param.example/ws"), session.BaseUri);
        Assert.Equal("user", session.UserName);
        Assert.Equal("First", session.FirstName);
        Assert.Equal("Last", session.LastName);
        Assert.Equal(ArtSessionStage.Identity, session.Stage);
    }

    [Fact]
    public void TheFileBeatsTheEnvironment_ForEveryField()
    {
        string path = File("{\"Org-Title\":\"f-org\",\"Environment\":\"f-env\",\"ProjectKey\":\"f-proj\",\"Client-ID\":\"f-id\",\"Client-Secret\":\"f-secret\",\"BaseUri\":\"https://file.example/ws\"}");

        ArtSession session = Resolve(new ArtSettings(), path, Env(FullEnvironment));

        Assert.Equal(("f-org", "f-env", "f-proj", "f-id"), (session.Organization, session.Environment, session.ProjectKey, session.ClientId));
        Assert.Equal("f-secret", CoreEmulator.Plain(session.ClientSecret));
        Assert.Equal(new Uri("https://file.example/ws"), session.BaseUri);
    }

    [Fact]
    public void ParametersBeatTheFile_ForEveryField()
    {
        string path = File("{\"Org-Title\":\"f-org\",\"Environment\":\"f-env\",\"ProjectKey\":\"f-proj\",\"Client-ID\":\"f-id\",\"Client-Secret\":\"f-secret\",\"BaseUri\":\"https://file.example/ws\"}");
        var parameters = new ArtSettings
        {
            Organization = "p-org", Environment = "p-env", ProjectKey = "p-proj", ClientId = "p-id",
            ClientSecret = Secrets.ToSecureString("p-secret"), BaseUri = "https://param.example/ws",
        };

        ArtSession session = Resolve(parameters, path, Env(FullEnvironment));

        Assert.Equal(("p-org", "p-env", "p-proj", "p-id"), (session.Organization, session.Environment, session.ProjectKey, session.ClientId));
        Assert.Equal("p-secret", CoreEmulator.Plain(session.ClientSecret));
        Assert.Equal(new Uri("https://param.example/ws"), session.BaseUri);
    }

    [Fact]
    public void TheEnvironmentAlone_IsEnough_AndTheDefaultBaseUriIsTheDocumentedOne()
    {
        ArtSession fromEnv = Resolve(new ArtSettings(), null, Env(FullEnvironment));
        Assert.Equal(new Uri("https://env.example/ws"), fromEnv.BaseUri);
        Assert.Equal("e-org", fromEnv.Organization);
        Assert.Equal("e-id", fromEnv.ClientId);

        ArtSession fallback = Resolve(new ArtSettings { Organization = "o", Environment = "e", ProjectKey = "p" }, null, NoEnv, secretRequired: false);
        Assert.Equal(new Uri("https://dev.arealtimetech.com/ws"), fallback.BaseUri);
        Assert.Null(fallback.ClientId);
        Assert.Null(fallback.ClientSecret);
    }

    [Fact]
    public void BlankValues_FallThrough_AndValuesAreTrimmed()
    {
        string path = File("{\"Org-Title\":\"   \",\"Environment\":null,\"ProjectKey\":\" f-proj \"}");
        var parameters = new ArtSettings { Organization = "  ", Environment = "", ClientId = " p-id ", ClientSecret = Secrets.ToSecureString("") };

        ArtSession session = Resolve(parameters, path, Env(("ART_ORG", " e-org "), ("ART_ENVIRONMENT", "e-env"), ("ART_PROJECT_KEY", "  "), ("ART_CLIENT_SECRET", "e-secret")));

        Assert.Equal("e-org", session.Organization);
        Assert.Equal("e-env", session.Environment);
        Assert.Equal("f-proj", session.ProjectKey);
        Assert.Equal("p-id", session.ClientId);
        Assert.Equal("e-secret", CoreEmulator.Plain(session.ClientSecret));
    }

    [Fact]
    public void AllMissing_ListsEveryFieldAndEveryPlaceLooked()
    {
        string path = File("{}");

        ArtException error = ResolveFails(new ArtSettings(), path, NoEnv);

        Assert.Equal(ArtErrorKind.ConfigurationMissing, error.Kind);
        Assert.Contains("5 more values", error.Message);
        (string Parameter, string Key, string Variable)[] fields =
        {
            ("-Organization", "\"Org-Title\"", "ART_ORG"),
            ("-Environment", "\"Environment\"", "ART_ENVIRONMENT"),
            ("-ProjectKey", "\"ProjectKey\"", "ART_PROJECT_KEY"),
            ("-ClientId", "\"Client-ID\"", "ART_CLIENT_ID"),
            ("-ClientSecret", "\"Client-Secret\"", "ART_CLIENT_SECRET"),
        };
        string[] lines = error.Message.Split('\n');
        foreach ((string parameter, string key, string variable) in fields)
        {
            string? line = Array.Find(lines, l => l.Contains(parameter + " ") || l.Contains(parameter + ","));
            Assert.True(line != null, "no line for " + parameter + " in:\n" + error.Message);
            Assert.Contains(key, line);
            Assert.Contains(path, line);
            Assert.Contains(variable, line);
        }

        Assert.False(string.IsNullOrEmpty(error.RecommendedAction));
    }

    [Fact]
    public void OneMissing_WithoutAFile_SaysSo_AndOnlyNamesThatField()
    {
        ArtException error = ResolveFails(
            new ArtSettings { Environment = "e", ProjectKey = "p" }, null, Env(("ART_CLIENT_ID", "id")), secretRequired: false);

        Assert.Equal(ArtErrorKind.ConfigurationMissing, error.Kind);
        Assert.Contains("1 more value:", error.Message);
        Assert.Contains("-Organization", error.Message);
        Assert.Contains("ART_ORG", error.Message);
        Assert.Contains("no -ConfigurationPath given", error.Message);
        Assert.DoesNotContain("ClientSecret", error.Message);
        Assert.DoesNotContain("-Environment", error.Message);
    }

    [Fact]
    public void TheClientSecret_IsRequiredOnlyWhenAsked()
    {
        var parameters = new ArtSettings { Organization = "o", Environment = "e", ProjectKey = "p", ClientId = "id" };

        Assert.Null(Resolve(parameters, null, NoEnv, secretRequired: false).ClientSecret);
        ArtException error = ResolveFails(parameters, null, NoEnv, secretRequired: true);
        Assert.Equal(ArtErrorKind.ConfigurationMissing, error.Kind);
        Assert.Contains("1 more value:", error.Message);
        Assert.Contains("ART_CLIENT_SECRET", error.Message);
    }

    [Fact]
    public void AFileThatDoesNotExist_IsConfigurationFileNotFound()
    {
        string path = Path.Combine(_dir, "missing", "adk-services.json");

        ArtException error = ResolveFails(new ArtSettings(), path, Env(FullEnvironment));

        Assert.Equal(ArtErrorKind.ConfigurationFileNotFound, error.Kind);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void AFileThatIsNotJson_IsConfigurationFileInvalid_WithoutQuotingIt()
    {
        string path = File("{\"Client-Secret\": \"TOPSECRET-VALUE\",\n\"Org-Title\": oops }");

        ArtException error = ResolveFails(new ArtSettings(), path, Env(FullEnvironment));

        Assert.Equal(ArtErrorKind.ConfigurationFileInvalid, error.Kind);
        Assert.Contains(path, error.Message);
        Assert.Contains("line 2", error.Message);
        Assert.DoesNotContain("TOPSECRET", error.Message);
    }

    [Fact]
    public void AnEmptyFile_IsConfigurationFileInvalid()
    {
        ArtException error = ResolveFails(new ArtSettings(), File(""), Env(FullEnvironment));

        Assert.Equal(ArtErrorKind.ConfigurationFileInvalid, error.Kind);
    }

    [Fact]
    public void AJsonArray_IsConfigurationFileInvalid()
    {
        string path = File("[{\"Org-Title\":\"x\"}]");

        ArtException error = ResolveFails(new ArtSettings(), path, Env(FullEnvironment));

        Assert.Equal(ArtErrorKind.ConfigurationFileInvalid, error.Kind);
        Assert.Contains("Array", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData("ProjectKey", "42")]
    [InlineData("Org-Title", "true")]
    [InlineData("Client-Secret", "{\"value\":\"TOPSECRET-VALUE\"}")]
    [InlineData("Client-ID", "[\"TOPSECRET-VALUE\"]")]
    public void ANonStringValue_IsConfigurationFileInvalid_NamingTheKey(string key, string json)
    {
        string path = File("{\"" + key + "\":" + json + "}");

        ArtException error = ResolveFails(new ArtSettings(), path, Env(FullEnvironment));

        Assert.Equal(ArtErrorKind.ConfigurationFileInvalid, error.Kind);
        Assert.Contains("\"" + key + "\"", error.Message);
        Assert.DoesNotContain("TOPSECRET", error.Message);
    }

    [Fact]
    public void CommentsAndTrailingCommas_AreAccepted()
    {
        string path = File("{\n // the ADK file\n \"Org-Title\": \"c-org\", /* inline */\n \"Environment\": \"c-env\",\n \"ProjectKey\": \"c-proj\",\n}");

        ArtSession session = Resolve(new ArtSettings(), path, NoEnv, secretRequired: false);

        Assert.Equal(("c-org", "c-env", "c-proj"), (session.Organization, session.Environment, session.ProjectKey));
    }

    [Fact]
    public void AFileWithAUtf8ByteOrderMark_IsRead()
    {
        // Windows PowerShell 5.1 (Set-Content -Encoding UTF8, Out-File) writes a BOM.
        string path = File("{\"Org-Title\":\"bom-org\",\"Environment\":\"bom-env\",\"ProjectKey\":\"bom-proj\"}", bom: true);

        ArtSession session = Resolve(new ArtSettings(), path, NoEnv, secretRequired: false);

        Assert.Equal("bom-org", session.Organization);
    }

    [Theory]
    [InlineData("relative/path")]
    [InlineData("ftp://example.com/ws")]
    [InlineData("file:///etc/passwd")]
    [InlineData("mailto:ops@example.com")]
    [InlineData("not a uri at all")]
    public void ABaseUriThatIsNotAbsoluteHttp_IsInvalidParameter_NamingBaseUri(string text)
    {
        var parameters = new ArtSettings { BaseUri = text, Organization = "o", Environment = "e", ProjectKey = "p" };

        ArtException fromParameter = ResolveFails(parameters, null, NoEnv, secretRequired: false);
        ArtException direct = Assert.IsAssignableFrom<ArtException>(Record.Exception(() => ArtSettings.ParseBaseUri(text)));

        foreach (ArtException error in new[] { fromParameter, direct })
        {
            Assert.Equal(ArtErrorKind.InvalidParameter, error.Kind);
            Assert.Contains("-BaseUri", error.Message);
        }
    }

    [Fact]
    public void ABadBaseUriFromTheEnvironment_IsAlsoRefused()
    {
        ArtException error = ResolveFails(new ArtSettings(), null, Env(("ART_BASE_URI", "ftp://example.com/ws"), ("ART_ORG", "o"), ("ART_ENVIRONMENT", "e"), ("ART_PROJECT_KEY", "p")), secretRequired: false);

        Assert.Equal(ArtErrorKind.InvalidParameter, error.Kind);
        Assert.Contains("-BaseUri", error.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5280/ws")]
    [InlineData("HTTPS://Example.COM/ws/")]
    [InlineData("https://dev.arealtimetech.com/ws")]
    public void AbsoluteHttpAndHttpsBaseUris_AreAccepted(string text)
    {
        Uri uri = ArtSettings.ParseBaseUri(text);

        Assert.True(uri.IsAbsoluteUri);
        Assert.Contains(uri.Scheme, new[] { "http", "https" });
    }
}
