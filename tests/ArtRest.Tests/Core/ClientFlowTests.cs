using System;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Client;
using Xunit;

namespace ArtRest.Tests.Core;

/// <summary>The documented flow against the emulator, sign-in by passcode, stages, logging.</summary>
public sealed class ClientFlowTests : EmulatorTests
{
    public ClientFlowTests(CoreEmulator emulator)
        : base(emulator)
    {
    }

    [Fact]
    public async Task PasscodeTokenConnectionPush_TheMessageArrivesWithItsFields()
    {
        ArtClient client = CoreEmulator.Client();
        ArtSession identity = Emu.Identity("flow-user", "Ada", "Lovelace");
        DateTime before = DateTime.UtcNow.AddSeconds(-2);

        ArtSession withPasscode = await client.NewPasscodeAsync(identity, CancellationToken.None);
        Assert.Equal(ArtSessionStage.Passcode, withPasscode.Stage);
        Assert.False(string.IsNullOrEmpty(CoreEmulator.Plain(withPasscode.Passcode)));
        Assert.Null(withPasscode.AccessToken);

        ArtSession withToken = await client.GetTokenAsync(withPasscode, CancellationToken.None);
        Assert.Equal(ArtSessionStage.Token, withToken.Stage);
        Assert.Equal("flow-user", withToken.UserName);
        Assert.StartsWith("usr_", withToken.UserId);
        Assert.InRange(withToken.TokenExpiresAt!.Value, before.AddSeconds(3600), DateTime.UtcNow.AddSeconds(3602));
        Assert.InRange(withToken.RefreshTokenExpiresAt!.Value, before.AddSeconds(86400), DateTime.UtcNow.AddSeconds(86402));
        Assert.Null(withToken.ConnectionId);

        ArtSession connected = await client.NewConnectionAsync(withToken, CancellationToken.None);
        Assert.Equal(ArtSessionStage.Connected, connected.Stage);
        Assert.StartsWith("conn_", connected.ConnectionId);

        const string content = "{\"text\":\"h\u00e9llo \u2713 \\\"quoted\\\"\",\"n\":1}";
        string answer = await client.PushAsync(connected, new ArtMessage("news", "greeting", content, new[] { "bob", "carol" }), CancellationToken.None);
        Assert.Equal("Message processed successfully", answer);
        await client.PushAsync(connected, new ArtMessage("news", "second", "plain", null), CancellationToken.None);

        JsonElement[] messages = await Emu.MessagesAsync();
        Assert.Equal(2, messages.Length);
        JsonElement first = messages[0];
        Assert.Equal(CoreEmulator.Org, first.GetProperty("org").GetString());
        Assert.Equal("news", first.GetProperty("channel").GetString());
        Assert.Equal("greeting", first.GetProperty("event").GetString());
        Assert.Equal(content, first.GetProperty("content").GetString());
        Assert.Equal(new[] { "bob", "carol" }, first.GetProperty("to").EnumerateArray().Select(e => e.GetString()).ToArray());
        Assert.Equal(connected.ConnectionId, first.GetProperty("connectionId").GetString());
        Assert.Equal("flow-user", first.GetProperty("user").GetString());
        Assert.Equal("second", messages[1].GetProperty("event").GetString());
        Assert.Equal(0, messages[1].GetProperty("to").GetArrayLength());

        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal(new EmulatorCounts(Passcode: 1, Token: 1, Refresh: 0, NewConnection: 1, Push: 2, PushAccepted: 2), stats);

        // Each step returned a new session: the earlier ones are unchanged.
        Assert.Equal(ArtSessionStage.Identity, identity.Stage);
        Assert.Equal(ArtSessionStage.Passcode, withPasscode.Stage);
        Assert.Equal(ArtSessionStage.Token, withToken.Stage);
    }

    [Fact]
    public async Task PasscodeOnlySignIn_WorksWithoutTheClientSecret()
    {
        ArtClient client = CoreEmulator.Client();
        ArtSession issued = await client.NewPasscodeAsync(Emu.Identity("pc-user"), CancellationToken.None);

        ArtSession passcodeOnly = ArtSession.Restore(
            Emu.RawIdentity("pc-user", clientSecret: null), issued.Passcode, tokens: null, connectionId: null);
        Assert.Null(passcodeOnly.ClientSecret);
        Assert.True(passcodeOnly.CanSignIn);

        ArtSession withToken = await client.GetTokenAsync(passcodeOnly, CancellationToken.None);
        Assert.Equal("pc-user", withToken.UserName);
        Assert.Null(withToken.ClientSecret);
        Assert.NotNull(withToken.Passcode);
        ArtSession connected = await client.NewConnectionAsync(withToken, CancellationToken.None);
        await client.PushAsync(connected, CoreEmulator.Message("by passcode"), CancellationToken.None);

        JsonElement message = Assert.Single(await Emu.MessagesAsync());
        Assert.Equal("pc-user", message.GetProperty("user").GetString());
        Assert.Equal(1, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task AWrongPasscode_IsInvalidCredentials()
    {
        ArtSession session = ArtSession.Restore(
            Emu.RawIdentity("pc-user", clientSecret: null), Secrets.ToSecureString("not-a-passcode"), tokens: null, connectionId: null);

        ArtApiException error = await Assert.ThrowsAsync<ArtApiException>(() => CoreEmulator.Client().GetTokenAsync(session, CancellationToken.None));

        Assert.Equal(ArtErrorKind.InvalidCredentials, error.Kind);
        Assert.Equal(401, error.StatusCode);
        Assert.Equal("Invalid passcode", error.ServerError);
        Assert.DoesNotContain("not-a-passcode", error.Message);
        Assert.DoesNotContain("not-a-passcode", error.RawBody);
    }

    [Fact]
    public async Task AStepOnASessionAtTheWrongStage_SendsNothing()
    {
        ArtClient client = CoreEmulator.Client();
        ArtSession identity = Emu.Identity("early");
        ArtSession withToken = await client.GetTokenAsync(identity, CancellationToken.None);
        await Emu.ClearStatsAsync();

        ArtException noConnection = await Assert.ThrowsAsync<ArtException>(() => client.PushAsync(withToken, CoreEmulator.Message(), CancellationToken.None));
        ArtException noToken = await Assert.ThrowsAsync<ArtException>(() => client.NewConnectionAsync(identity, CancellationToken.None));

        Assert.Equal(ArtErrorKind.SessionStageMissing, noConnection.Kind);
        Assert.Contains("New-ArtConnection", noConnection.Message);
        Assert.Equal(ArtErrorKind.SessionStageMissing, noToken.Kind);
        Assert.Contains("Get-ArtToken", noToken.Message);
        Assert.Equal(new EmulatorCounts(0, 0, 0, 0, 0, 0), await Emu.StatsAsync());
    }

    [Fact]
    public async Task PlainHttpToAnotherHost_IsRefusedBeforeAnyRequest()
    {
        var log = new RecordingLog();
        ArtClient client = CoreEmulator.Client(log: log);
        ArtSession remote = Emu.RawIdentity("alice", baseUri: new Uri("http://example.com/ws"));

        ArtException token = await Assert.ThrowsAsync<ArtException>(() => client.GetTokenAsync(remote, CancellationToken.None));
        ArtException passcode = await Assert.ThrowsAsync<ArtException>(() => client.NewPasscodeAsync(remote, CancellationToken.None));

        foreach (ArtException error in new[] { token, passcode })
        {
            Assert.Equal(ArtErrorKind.InsecureTransport, error.Kind);
            Assert.Contains("example.com", error.Message);
            Assert.DoesNotContain(CoreEmulator.ClientSecret, error.Message);
            Assert.Contains("-AllowUnencryptedAuthentication", error.RecommendedAction);
        }

        Assert.DoesNotContain(log.Lines, line => line.Contains("HTTP request"));
    }

    [Fact]
    public async Task PlainHttpWithABearerToken_IsRefusedToo()
    {
        ArtSession real = await Emu.ConnectedAsync("bearer");
        var remote = ArtSession.Restore(
            Emu.RawIdentity("bearer", baseUri: new Uri("http://example.com/ws")), null,
            TokenSet.FromServer(CoreEmulator.Plain(real.AccessToken), CoreEmulator.Plain(real.RefreshToken), null), real.ConnectionId);

        ArtException error = await Assert.ThrowsAsync<ArtException>(() => CoreEmulator.Client().PushAsync(remote, CoreEmulator.Message(), CancellationToken.None));

        Assert.Equal(ArtErrorKind.InsecureTransport, error.Kind);
    }

    [Fact]
    public async Task PlainHttpToLocalhostByName_IsAllowed()
    {
        var localhost = new UriBuilder(Emu.BaseUri) { Host = "localhost" }.Uri;
        ArtSession session = await CoreEmulator.Client().GetTokenAsync(Emu.RawIdentity("local", baseUri: localhost), CancellationToken.None);

        Assert.NotNull(session.AccessToken);
    }

    [Fact]
    public void EnsureTransportAllowed_Rules()
    {
        ArtClient.EnsureTransportAllowed(new Uri("https://example.com/ws"), allowUnencryptedAuthentication: false);
        ArtClient.EnsureTransportAllowed(new Uri("http://127.0.0.1:1/ws"), allowUnencryptedAuthentication: false);
        ArtClient.EnsureTransportAllowed(new Uri("http://[::1]:1/ws"), allowUnencryptedAuthentication: false);
        ArtClient.EnsureTransportAllowed(new Uri("http://127.5.6.7:1/ws"), allowUnencryptedAuthentication: false);
        ArtClient.EnsureTransportAllowed(new Uri("http://example.com/ws"), allowUnencryptedAuthentication: true);

        ArtException error = Assert.Throws<ArtException>(() => ArtClient.EnsureTransportAllowed(new Uri("http://10.1.2.3/ws"), false));
        Assert.Equal(ArtErrorKind.InsecureTransport, error.Kind);
    }

    [Fact]
    public async Task TheLog_ShowsRequestsButNeverASecret()
    {
        var log = new RecordingLog();
        ArtClient client = CoreEmulator.Client(log: log);
        ArtSession session = await client.NewPasscodeAsync(Emu.Identity("logged"), CancellationToken.None);
        session = await client.GetTokenAsync(session, CancellationToken.None);
        session = await client.NewConnectionAsync(session, CancellationToken.None);
        string oldRefreshToken = CoreEmulator.Plain(session.RefreshToken);
        await client.RefreshAsync(session, CancellationToken.None);
        await client.PushAsync(session, CoreEmulator.Message("logged message"), CancellationToken.None);

        string all = log.All;
        string[] secrets =
        {
            CoreEmulator.ClientSecret,
            CoreEmulator.Plain(session.Passcode),
            CoreEmulator.Plain(session.AccessToken),
            CoreEmulator.Plain(session.RefreshToken),
            oldRefreshToken,
            ArtRest.Emulator.TokenService.JwtHeaderSegment,
        };
        foreach (string secret in secrets)
        {
            Assert.DoesNotContain(secret, all);
        }

        string[] requests = all.Split("HTTP request: ").Skip(1).ToArray();
        string tokenRequest = Assert.Single(requests, r => r.StartsWith("POST " + Emu.BaseUri.AbsoluteUri + "/auth/token\n", StringComparison.Ordinal));
        Assert.Contains("Client-Secret: ***", tokenRequest);
        Assert.Contains("T-pass: ***", tokenRequest);
        Assert.Contains("Client-Id: " + CoreEmulator.ClientId, tokenRequest);
        Assert.DoesNotContain("Authorization", tokenRequest);

        string refreshRequest = Assert.Single(requests, r => r.Contains("/auth/token/refresh\n"));
        Assert.DoesNotContain("Client-Secret", refreshRequest);
        Assert.Contains("\"refresh_token\":\"***\"", refreshRequest);

        string pushRequest = Assert.Single(requests, r => r.Contains("/v1/push-message\n"));
        Assert.Contains("Authorization: Bearer ***", pushRequest);
        Assert.DoesNotContain("Client-Secret", pushRequest);
        Assert.DoesNotContain("T-pass", pushRequest);
        Assert.Contains("logged message", pushRequest);

        Assert.Contains(log.Lines, line => line.StartsWith("DEBUG: HTTP response: POST /v1/connect/passcode: HTTP 200", StringComparison.Ordinal));
        Assert.Contains("\"passcode\":\"***\"", all);
        Assert.Contains("\"access_token\":\"***\"", all);
    }
}
