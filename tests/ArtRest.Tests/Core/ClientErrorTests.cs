using System.Collections;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Client;
using Xunit;

namespace ArtRest.Tests.Core;

/// <summary>Each documented error status, as the emulator really sends it or injected, mapped to its kind with everything kept.</summary>
public sealed class ClientErrorTests : EmulatorTests
{
    private const string TokenPath = "/auth/token";
    private const string PushPath = "/v1/push-message";

    public ClientErrorTests(CoreEmulator emulator)
        : base(emulator)
    {
    }

    private ArtSession _session = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _session = await Emu.ConnectedAsync("errors-user");
    }

    private static async Task<ArtApiException> FailsAsync(Task call) => await Assert.ThrowsAsync<ArtApiException>(() => call);

    [Fact]
    public async Task Rbac403_IsRbacForbidden_WithTheErrorsReadableAsDictionaries()
    {
        ArtApiException error = await FailsAsync(CoreEmulator.Client().PushAsync(_session, CoreEmulator.Message(channel: "restricted"), CancellationToken.None));

        Assert.Equal(ArtErrorKind.RbacForbidden, error.Kind);
        Assert.Equal(403, error.StatusCode);
        Assert.Equal("[RBAC] Access forbidden", error.ServerMessage);
        Assert.Null(error.ServerError);
        Assert.Equal("[RBAC] Access forbidden", error.ServerText);
        Assert.Equal(string.Empty, error.ErrorCode);
        Assert.Equal(PushPath, error.Endpoint);
        Assert.Equal("POST", error.Method);
        object? item = Assert.Single(error.Errors);
        IDictionary details = Assert.IsAssignableFrom<IDictionary>(item);
        Assert.Contains("may not push to channel 'restricted'", (string)details["reason"]!);
        Assert.Equal("restricted", details["name"]);
        Assert.Equal("errors-user", details["USER"]);
        Assert.Contains("[RBAC] Access forbidden", error.RawBody);
        Assert.Contains("\"reason\"", error.RawBody);

        Assert.Equal(1, (await Emu.StatsAsync()).Push);
        Assert.Empty(await Emu.MessagesAsync());
    }

    [Fact]
    public async Task Real400_IsBadRequest_NotRetried()
    {
        ArtApiException error = await FailsAsync(CoreEmulator.Client(retries: 3).PushAsync(_session, CoreEmulator.Message(channel: " "), CancellationToken.None));

        Assert.Equal(ArtErrorKind.BadRequest, error.Kind);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal("channel is required", error.ServerError);
        Assert.Null(error.ServerMessage);
        Assert.Empty(error.Errors);
        Assert.Equal("{\"error\":\"channel is required\"}", error.RawBody);
        Assert.Contains("channel is required", error.Message);
        Assert.Equal(1, (await Emu.StatsAsync()).Push);
    }

    [Fact]
    public async Task MissingOrg_IsMissingTenant()
    {
        ArtApiException error = await FailsAsync(CoreEmulator.Client().GetTokenAsync(Emu.RawIdentity("u", org: ""), CancellationToken.None));

        Assert.Equal(ArtErrorKind.MissingTenant, error.Kind);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal("Missing tenant or Org-Title", error.ServerError);
        Assert.Equal(TokenPath, error.Endpoint);
        Assert.Equal(1, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task WrongClientSecret_IsInvalidCredentials_NotRetried()
    {
        ArtApiException error = await FailsAsync(
            CoreEmulator.Client(retries: 3).GetTokenAsync(Emu.RawIdentity("u", clientSecret: "wrong-secret-value"), CancellationToken.None));

        Assert.Equal(ArtErrorKind.InvalidCredentials, error.Kind);
        Assert.Equal(401, error.StatusCode);
        Assert.Equal("Invalid token", error.ServerError);
        Assert.Equal(TokenPath, error.Endpoint);
        Assert.DoesNotContain("wrong-secret-value", error.Message);
        Assert.Equal(1, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task UnknownOrg_IsNotFound_NotRetried()
    {
        ArtApiException error = await FailsAsync(CoreEmulator.Client(retries: 3).GetTokenAsync(Emu.RawIdentity("u", org: "no-such-org"), CancellationToken.None));

        Assert.Equal(ArtErrorKind.NotFound, error.Kind);
        Assert.Equal(404, error.StatusCode);
        Assert.Equal("Tenant not found", error.ServerError);
        Assert.Equal(1, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task APush401ThatPersists_RenewsOnceRetriesOnce_ThenIsInvalidToken()
    {
        await Emu.AddFaultAsync(PushPath, count: -1, status: 401, body: "{\"error\":\"Invalid token\"}");

        ArtApiException error = await FailsAsync(CoreEmulator.Client(retries: 3).PushAsync(_session, CoreEmulator.Message(), CancellationToken.None));

        Assert.Equal(ArtErrorKind.InvalidToken, error.Kind);
        Assert.Equal(401, error.StatusCode);
        Assert.Equal("Invalid token", error.ServerError);
        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal((2L, 1L, 0L), (stats.Push, stats.Refresh, stats.Token));
        Assert.Empty(await Emu.MessagesAsync());
    }

    [Fact]
    public async Task APush401Once_RenewsAndSucceeds()
    {
        await Emu.AddFaultAsync(PushPath, count: 1, status: 401, body: "{\"error\":\"Invalid token\"}");
        var before = _session.AccessToken;

        await CoreEmulator.Client().PushAsync(_session, CoreEmulator.Message("after 401"), CancellationToken.None);

        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal((2L, 1L, 0L), (stats.Push, stats.Refresh, stats.Token));
        Assert.Single(await Emu.MessagesAsync());
        Assert.NotSame(before, _session.AccessToken);
    }

    [Theory]
    [InlineData(400, ArtErrorKind.BadRequest)]
    [InlineData(401, ArtErrorKind.InvalidCredentials)]
    [InlineData(403, ArtErrorKind.Forbidden)]
    [InlineData(404, ArtErrorKind.NotFound)]
    [InlineData(409, ArtErrorKind.HttpError)]
    [InlineData(418, ArtErrorKind.HttpError)]
    [InlineData(429, ArtErrorKind.RateLimited)]
    [InlineData(500, ArtErrorKind.ServerError)]
    [InlineData(501, ArtErrorKind.ServerError)]
    [InlineData(502, ArtErrorKind.ServiceUnavailable)]
    [InlineData(503, ArtErrorKind.ServiceUnavailable)]
    [InlineData(504, ArtErrorKind.ServiceUnavailable)]
    public async Task EachStatusOnTheTokenEndpoint_MapsToItsKind_KeepingTheBody(int status, ArtErrorKind kind)
    {
        string body = "{\"error\":\"E-" + status + "\",\"message\":\"M-" + status + "\",\"error_code\":\"C" + status + "\"}";
        await Emu.AddFaultAsync(TokenPath, count: -1, status: status, body: body);

        ArtApiException error = await FailsAsync(CoreEmulator.Client(retries: 0).GetTokenAsync(Emu.Identity("mapped"), CancellationToken.None));

        Assert.Equal(kind, error.Kind);
        Assert.Equal(status, error.StatusCode);
        Assert.Equal("E-" + status, error.ServerError);
        Assert.Equal("M-" + status, error.ServerMessage);
        Assert.Equal("M-" + status, error.ServerText);
        Assert.Equal("C" + status, error.ErrorCode);
        Assert.Equal(TokenPath, error.Endpoint);
        Assert.Equal(body, error.RawBody);
        Assert.Contains("M-" + status, error.Message);
        Assert.Equal(1, (await Emu.StatsAsync()).Token);
    }

    [Theory]
    [InlineData(400, ArtErrorKind.BadRequest)]
    [InlineData(403, ArtErrorKind.Forbidden)]
    [InlineData(404, ArtErrorKind.NotFound)]
    [InlineData(500, ArtErrorKind.PushOutcomeUnknown)]
    [InlineData(502, ArtErrorKind.ServiceUnavailable)]
    public async Task EachStatusOnThePush_MapsToItsKind(int status, ArtErrorKind kind)
    {
        await Emu.AddFaultAsync(PushPath, count: -1, status: status, body: "{\"error\":\"E-" + status + "\"}");

        ArtApiException error = await FailsAsync(CoreEmulator.Client(retries: 0).PushAsync(_session, CoreEmulator.Message(), CancellationToken.None));

        Assert.Equal(kind, error.Kind);
        Assert.Equal(status, error.StatusCode);
        Assert.Equal("E-" + status, error.ServerError);
        Assert.Equal(PushPath, error.Endpoint);
        Assert.Equal(1, (await Emu.StatsAsync()).Push);
    }

    [Fact]
    public async Task A403WhoseMessageSaysRbac_IsRbacForbidden_EvenWithoutErrors()
    {
        await Emu.AddFaultAsync(TokenPath, status: 403, body: "{\"status\":403,\"error_code\":\"RBAC_001\",\"message\":\"[RBAC] Access forbidden\",\"errors\":[]}");

        ArtApiException error = await FailsAsync(CoreEmulator.Client(retries: 0).GetTokenAsync(Emu.Identity("rbac-msg"), CancellationToken.None));

        Assert.Equal(ArtErrorKind.RbacForbidden, error.Kind);
        Assert.Equal("RBAC_001", error.ErrorCode);
        Assert.Empty(error.Errors);
    }

    [Fact]
    public async Task RbacErrorItemsOfAnyShape_AreKeptAsSent()
    {
        await Emu.AddFaultAsync(PushPath, status: 403, body:
            "{\"status\":403,\"error_code\":\"\",\"message\":\"[RBAC] Access forbidden\",\"errors\":[\"plain text\",42,1.5,true,null,[\"a\",\"b\"],{\"reason\":\"nested\",\"scope\":{\"channel\":\"c\"}}]}");

        ArtApiException error = await FailsAsync(CoreEmulator.Client(retries: 0).PushAsync(_session, CoreEmulator.Message(), CancellationToken.None));

        Assert.Equal(ArtErrorKind.RbacForbidden, error.Kind);
        Assert.Equal(7, error.Errors.Count);
        Assert.Equal("plain text", error.Errors[0]);
        // Whole numbers as long (exact), others as double.
        Assert.Equal(42L, Assert.IsType<long>(error.Errors[1]));
        Assert.Equal(1.5, Assert.IsType<double>(error.Errors[2]));
        Assert.Equal(true, error.Errors[3]);
        Assert.Null(error.Errors[4]);
        Assert.Equal(new object?[] { "a", "b" }, Assert.IsAssignableFrom<System.Collections.Generic.IEnumerable<object?>>(error.Errors[5]));
        IDictionary last = Assert.IsAssignableFrom<IDictionary>(error.Errors[6]);
        Assert.Equal("nested", last["reason"]);
        Assert.Equal("c", Assert.IsAssignableFrom<IDictionary>(last["scope"])["channel"]);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    public async Task ClientErrors_AreNeverRetried(int status)
    {
        await Emu.AddFaultAsync(TokenPath, count: -1, status: status, retryAfter: "0");

        ArtApiException error = await FailsAsync(CoreEmulator.Client(retries: 5).GetTokenAsync(Emu.Identity("no-retry"), CancellationToken.None));

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(1, (await Emu.StatsAsync()).Token);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(404)]
    public async Task ClientErrorsOnThePush_AreNeverRetried(int status)
    {
        await Emu.AddFaultAsync(PushPath, count: -1, status: status);

        ArtApiException error = await FailsAsync(CoreEmulator.Client(retries: 5).PushAsync(_session, CoreEmulator.Message(), CancellationToken.None));

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(1, (await Emu.StatsAsync()).Push);
    }

    [Fact]
    public async Task SecretsInAnErrorBody_AreRedactedFromRawBody()
    {
        string jwt = JwtClaimsTests.Jwt("{\"exp\":1700000000}");
        await Emu.AddFaultAsync(TokenPath, status: 400, body:
            "{\"error\":\"bad\",\"access_token\":\"" + jwt + "\",\"refresh_token\":\"leaky-refresh.1700000000\",\"note\":\"" + jwt + "\"}");

        ArtApiException error = await FailsAsync(CoreEmulator.Client(retries: 0).GetTokenAsync(Emu.Identity("leaky"), CancellationToken.None));

        Assert.Equal("bad", error.ServerError);
        Assert.NotNull(error.RawBody);
        Assert.DoesNotContain("leaky-refresh", error.RawBody);
        Assert.DoesNotContain("eyJ", error.RawBody);
        Assert.Contains("\"error\":\"bad\"", error.RawBody);
    }
}
