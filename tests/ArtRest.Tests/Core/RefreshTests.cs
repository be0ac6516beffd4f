using System;
using System.Linq;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Client;
using Xunit;

namespace ArtRest.Tests.Core;

/// <summary>Keeping the token fresh: refresh on expiry, single flight, fallbacks, server faults.</summary>
public sealed class RefreshTests : EmulatorTests
{
    private const string RefreshPath = "/auth/token/refresh";
    private const string BackendDown = "{\"error\":\"Failed to get WebSocket backend\"}";

    public RefreshTests(CoreEmulator emulator)
        : base(emulator)
    {
    }

    [Fact]
    public async Task WithATwoSecondToken_APushAfterExpiry_UsesTheRefreshEndpoint()
    {
        await Emu.SettingsAsync(tokenLifetimeSeconds: 2);
        ArtClient client = CoreEmulator.Client();
        ArtSession session = await Emu.ConnectedAsync("short-lived", client);
        await Emu.SettingsAsync(tokenLifetimeSeconds: 3600);
        SecureString? oldToken = session.AccessToken;
        DateTime expiry = session.TokenExpiresAt!.Value;
        Assert.True(expiry - DateTime.UtcNow <= TimeSpan.FromSeconds(2));

        TimeSpan wait = expiry - DateTime.UtcNow + TimeSpan.FromMilliseconds(100);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        await client.PushAsync(session, CoreEmulator.Message("after expiry"), CancellationToken.None);

        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal(1, stats.Refresh);
        Assert.Equal(0, stats.Token);
        Assert.Equal(1, stats.Push);
        Assert.Single(await Emu.MessagesAsync());
        Assert.NotSame(oldToken, session.AccessToken);
        Assert.True(session.TokenExpiresAt > DateTime.UtcNow.AddMinutes(50));
    }

    [Fact]
    public async Task SixteenConcurrentPushesOnAnExpiredSession_RefreshExactlyOnce()
    {
        ArtSession session = await Emu.ExpiredSessionAsync("crowd");
        ArtClient client = CoreEmulator.Client();

        string[] answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(
            i => client.PushAsync(session, CoreEmulator.Message("m" + i), CancellationToken.None)));

        Assert.All(answers, a => Assert.Equal("Message processed successfully", a));
        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal(1, stats.Refresh);
        Assert.Equal(0, stats.Token);
        Assert.Equal(16, stats.Push);
        Assert.Equal(16, (await Emu.MessagesAsync()).Select(m => m.GetProperty("content").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task ATokenTheServerCallsExpired_IsRenewedOnceAndThePushRetriedOnce()
    {
        ArtSession session = await Emu.ConnectedAsync("server-expired");
        Emu.Clock.Offset = TimeSpan.FromHours(2); // the server now sees the token as expired; the client does not

        await CoreEmulator.Client().PushAsync(session, CoreEmulator.Message(), CancellationToken.None);

        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal((2L, 1L, 0L, 1L), (stats.Push, stats.Refresh, stats.Token, stats.PushAccepted));
    }

    [Fact]
    public async Task SixteenConcurrentPushesRefusedWith401_RenewOnce()
    {
        ArtSession session = await Emu.ConnectedAsync("crowd-401");
        Emu.Clock.Offset = TimeSpan.FromHours(2);
        // Slow answers: all 16 pushes are on the wire with the old token before the first 401 comes back.
        await Emu.SettingsAsync(latencyMs: 300);
        ArtClient client = CoreEmulator.Client();

        await Task.WhenAll(Enumerable.Range(0, 16).Select(
            i => client.PushAsync(session, CoreEmulator.Message("r" + i), CancellationToken.None)));

        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal(1, stats.Refresh);
        Assert.Equal(0, stats.Token);
        Assert.Equal(16, stats.PushAccepted);
        Assert.Equal(32, stats.Push);
    }

    [Fact]
    public async Task ARevokedRefreshToken_FallsBackToSigningIn()
    {
        ArtSession session = await Emu.ExpiredSessionAsync("revoked");
        await Emu.RevokeRefreshTokenAsync(CoreEmulator.Plain(session.RefreshToken));
        await Emu.ClearStatsAsync();

        await CoreEmulator.Client().PushAsync(session, CoreEmulator.Message("after sign-in"), CancellationToken.None);

        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal((1L, 1L, 1L), (stats.Refresh, stats.Token, stats.PushAccepted));
        Assert.True(session.TokenExpiresAt > DateTime.UtcNow.AddMinutes(50));
    }

    [Fact]
    public async Task ARevokedRefreshToken_FallsBackToThePasscode_WhenThereIsNoClientSecret()
    {
        ArtClient client = CoreEmulator.Client();
        ArtSession issued = await client.NewPasscodeAsync(Emu.Identity("pc-refresh"), CancellationToken.None);
        ArtSession expired = await Emu.ExpiredSessionAsync("pc-refresh");
        await Emu.RevokeRefreshTokenAsync(CoreEmulator.Plain(expired.RefreshToken));
        ArtSession passcodeOnly = ArtSession.Restore(
            Emu.RawIdentity("pc-refresh", clientSecret: null), issued.Passcode, expired.Tokens, expired.ConnectionId);
        await Emu.ClearStatsAsync();

        await client.PushAsync(passcodeOnly, CoreEmulator.Message("by passcode again"), CancellationToken.None);

        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal((1L, 1L, 1L), (stats.Refresh, stats.Token, stats.PushAccepted));
    }

    [Fact]
    public async Task ARefreshTokenPastItsExpiryHint_IsNotSent_TheClientSignsIn()
    {
        ArtSession session = await Emu.ExpiredSessionAsync("stale-refresh", refreshLifetimeSeconds: 10);
        Assert.True(session.RefreshTokenExpiresAt < DateTime.UtcNow);

        await CoreEmulator.Client().PushAsync(session, CoreEmulator.Message(), CancellationToken.None);

        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal((0L, 1L, 1L), (stats.Refresh, stats.Token, stats.PushAccepted));
    }

    [Fact]
    public async Task ASessionThatCannotSignIn_IsSessionExpired_WhenItsRefreshIsRefused()
    {
        ArtSession expired = await Emu.ExpiredSessionAsync("no-way-back");
        await Emu.RevokeRefreshTokenAsync(CoreEmulator.Plain(expired.RefreshToken));
        ArtSession bare = ArtSession.Restore(Emu.RawIdentity("no-way-back", clientSecret: null), null, expired.Tokens, expired.ConnectionId);
        Assert.False(bare.CanSignIn);
        await Emu.ClearStatsAsync();

        ArtException error = await Assert.ThrowsAsync<ArtException>(
            () => CoreEmulator.Client().PushAsync(bare, CoreEmulator.Message(), CancellationToken.None));

        Assert.Equal(ArtErrorKind.SessionExpired, error.Kind);
        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal((1L, 0L, 0L), (stats.Refresh, stats.Token, stats.Push));
    }

    [Fact]
    public async Task A500OnRefresh_KeepsTheTokens_AndReportsServerError()
    {
        ArtSession session = await Emu.ConnectedAsync("backend-down");
        SecureString? access = session.AccessToken;
        SecureString? refresh = session.RefreshToken;
        await Emu.AddFaultAsync(RefreshPath, count: -1, status: 500, body: BackendDown);

        ArtApiException error = await Assert.ThrowsAsync<ArtApiException>(
            () => CoreEmulator.Client(retries: 0).RefreshAsync(session, CancellationToken.None));

        Assert.Equal(ArtErrorKind.ServerError, error.Kind);
        Assert.Equal(500, error.StatusCode);
        Assert.Equal("Failed to get WebSocket backend", error.ServerError);
        Assert.Equal(RefreshPath, error.Endpoint);
        Assert.Same(access, session.AccessToken);
        Assert.Same(refresh, session.RefreshToken);
        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal((1L, 0L), (stats.Refresh, stats.Token));
    }

    [Fact]
    public async Task A500OnRefresh_IsRetried()
    {
        ArtSession session = await Emu.ConnectedAsync("backend-flaky");
        SecureString? access = session.AccessToken;
        await Emu.AddFaultAsync(RefreshPath, count: 1, status: 500, body: BackendDown);

        await CoreEmulator.Client(retries: 2).RefreshAsync(session, CancellationToken.None);

        Assert.NotSame(access, session.AccessToken);
        Assert.Equal(2, (await Emu.StatsAsync()).Refresh);
    }

    [Fact]
    public async Task A500OnRefreshOfAnExpiredToken_FailsThePush_KeepingTheTokens()
    {
        ArtSession session = await Emu.ExpiredSessionAsync("expired-backend-down");
        SecureString? access = session.AccessToken;
        await Emu.AddFaultAsync(RefreshPath, count: -1, status: 500, body: BackendDown);

        ArtApiException error = await Assert.ThrowsAsync<ArtApiException>(
            () => CoreEmulator.Client(retries: 0).PushAsync(session, CoreEmulator.Message(), CancellationToken.None));

        Assert.Equal(ArtErrorKind.ServerError, error.Kind);
        Assert.Equal("Failed to get WebSocket backend", error.ServerError);
        Assert.Same(access, session.AccessToken);
        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal((1L, 0L, 0L), (stats.Refresh, stats.Token, stats.Push));
    }

    [Fact]
    public async Task AFailedEarlyRenewal_KeepsUsingTheTokenWhileItLasts()
    {
        // A token 20 s from expiry is inside the 60 s renewal margin but still good.
        ArtClient client = CoreEmulator.Client(retries: 0);
        ArtSession session = await Emu.ConnectedAsync("early-renewal", client);
        Emu.Clock.Offset = TimeSpan.FromSeconds(-(3600 - 20));
        await client.RefreshAsync(session, CancellationToken.None);
        Emu.Clock.Offset = TimeSpan.Zero;
        Assert.InRange(session.TokenExpiresAt!.Value, DateTime.UtcNow.AddSeconds(5), DateTime.UtcNow.AddSeconds(60));
        SecureString? access = session.AccessToken;
        await Emu.ClearStatsAsync();
        await Emu.AddFaultAsync(RefreshPath, count: -1, status: 500, body: BackendDown);

        await client.PushAsync(session, CoreEmulator.Message("still valid"), CancellationToken.None);

        Assert.Same(access, session.AccessToken);
        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal((1L, 0L, 1L), (stats.Refresh, stats.Token, stats.PushAccepted));
    }

    [Fact]
    public async Task ExplicitRefresh_RotatesBothTokens()
    {
        ArtSession session = await Emu.ConnectedAsync("explicit");
        string access = CoreEmulator.Plain(session.AccessToken);
        string refresh = CoreEmulator.Plain(session.RefreshToken);

        await CoreEmulator.Client().RefreshAsync(session, CancellationToken.None);

        Assert.NotEqual(access, CoreEmulator.Plain(session.AccessToken));
        Assert.NotEqual(refresh, CoreEmulator.Plain(session.RefreshToken));
        Assert.Equal("explicit", session.UserName);
        Assert.Equal(1, (await Emu.StatsAsync()).Refresh);
        await CoreEmulator.Client().PushAsync(session, CoreEmulator.Message(), CancellationToken.None);
        Assert.Equal(1, (await Emu.StatsAsync()).PushAccepted);
    }
}
