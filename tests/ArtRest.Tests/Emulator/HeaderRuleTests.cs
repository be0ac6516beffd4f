using System.Collections.Generic;
using System.Net.Http;
using System.Threading.Tasks;
using Xunit;

namespace ArtRest.Tests.Emulator;

/// <summary>Rules 1 and 2, shared by every endpoint: identity headers, then tenant and project.</summary>
public sealed class HeaderRuleTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _f;

    public HeaderRuleTests(EmulatorFixture f) => _f = f;

    public static TheoryData<string> Endpoints => new()
    {
        "/v1/connect/passcode", "/auth/token", "/auth/token/refresh", "/v1/connect/new-connection", "/v1/push-message",
    };

    /// <summary>Headers that would pass every endpoint's own checks, so only the header rule can fail.</summary>
    private static Dictionary<string, string> Full() => EmulatorFixture.WithSecret();

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task MissingOrg_Is400(string path)
    {
        Dictionary<string, string> h = Full();
        h.Remove("X-Org");
        (await _f.PostAsync(path, "{}", h)).AssertError(400, "Missing tenant or Org-Title");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task BlankOrg_Is400(string path)
    {
        Dictionary<string, string> h = Full();
        h["X-Org"] = "  ";
        (await _f.PostAsync(path, "{}", h)).AssertError(400, "Missing tenant or Org-Title");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task MissingEnvironment_Is400(string path)
    {
        Dictionary<string, string> h = Full();
        h.Remove("Environment");
        (await _f.PostAsync(path, "{}", h)).AssertError(400, "Missing Environment");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task MissingProjectKey_Is400(string path)
    {
        Dictionary<string, string> h = Full();
        h.Remove("ProjectKey");
        (await _f.PostAsync(path, "{}", h)).AssertError(400, "Missing ProjectKey");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task OrgIsCheckedBeforeEnvironment(string path)
    {
        (await _f.PostAsync(path, "{}", new Dictionary<string, string>())).AssertError(400, "Missing tenant or Org-Title");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task UnknownOrg_Is404TenantNotFound(string path)
    {
        Dictionary<string, string> h = Full();
        h["X-Org"] = "no-such-org";
        (await _f.PostAsync(path, "{}", h)).AssertError(404, "Tenant not found");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task WrongEnvironment_Is404ProjectNotFound(string path)
    {
        Dictionary<string, string> h = Full();
        h["Environment"] = "staging";
        (await _f.PostAsync(path, "{}", h)).AssertError(404, "Project not found");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task WrongProjectKey_Is404ProjectNotFound(string path)
    {
        Dictionary<string, string> h = Full();
        h["ProjectKey"] = "other-project";
        (await _f.PostAsync(path, "{}", h)).AssertError(404, "Project not found");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task HeaderRulesComeBeforeBodyRules(string path)
    {
        Dictionary<string, string> h = Full();
        h.Remove("ProjectKey");
        (await _f.PostAsync(path, "not json", h)).AssertError(400, "Missing ProjectKey");
    }

    [Fact]
    public async Task HeaderNamesAreCaseInsensitive()
    {
        var h = new Dictionary<string, string>
        {
            ["x-org"] = "demo-org", ["environment"] = "dev", ["projectkey"] = "demo-project",
            ["client-id"] = "demo-client-id", ["client-secret"] = "demo-client-secret",
        };
        (await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("carol"), h)).AssertOk("Authenticated");
    }

    [Fact]
    public async Task UnknownPath_Is404()
    {
        (await _f.PostAsync("/v1/nothing-here", "{}", Full())).AssertError(404, "Not found");
        using HttpResponseMessage outside = await _f.Http.PostAsync(
            new System.Uri(_f.Server.BaseUri.AbsoluteUri.Replace("/ws", "/v1/push-message")), null);
        Assert.Equal(404, (int)outside.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task GetOnAnEndpoint_Is405(string path)
    {
        (await _f.SendAsync(HttpMethod.Get, path, null, Full())).AssertError(405, "Method not allowed");
    }

    [Fact]
    public void BaseUri_IsLoopbackWithWsPath()
    {
        Assert.Equal("127.0.0.1", _f.Server.BaseUri.Host);
        Assert.Equal("/ws", _f.Server.BaseUri.AbsolutePath);
        Assert.NotEqual(0, _f.Server.BaseUri.Port);
        Assert.Equal(_f.Server.BaseUri.AbsoluteUri + "/_emulator", _f.Server.AdminUri.AbsoluteUri);
    }
}
