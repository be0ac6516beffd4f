using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Client;
using Xunit;

namespace ArtRest.Tests.Core;

/// <summary>Retries, Retry-After, the no-resend rule for pushes, timeouts and cancellation.</summary>
public sealed class ClientRetryTests : EmulatorTests
{
    private const string TokenPath = "/auth/token";
    private const string PushPath = "/v1/push-message";

    private ArtSession _session = null!;

    public ClientRetryTests(CoreEmulator emulator)
        : base(emulator)
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _session = await Emu.ConnectedAsync("retry-user");
    }

    private Task<string> Push(ArtClient client, string content = "hello", CancellationToken cancellation = default) =>
        client.PushAsync(_session, CoreEmulator.Message(content), cancellation);

    // ---- retries ----

    [Fact]
    public async Task APush503WithRetryAfter_WaitsThatLong_ThenIsResent()
    {
        await Emu.AddFaultAsync(PushPath, status: 503, retryAfter: "1");
        var watch = Stopwatch.StartNew();

        string answer = await Push(CoreEmulator.Client(retries: 3, retryIntervalMs: 0), "after 503");

        watch.Stop();
        Assert.Equal("Message processed successfully", answer);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(900), "Retry-After not honoured: " + watch.Elapsed);
        EmulatorCounts stats = await Emu.StatsAsync();
        Assert.Equal((2L, 1L), (stats.Push, stats.PushAccepted));
        Assert.Single(await Emu.MessagesAsync());
    }

    [Fact]
    public async Task A429WithRetryAfter_IsHonoured()
    {
        await Emu.AddFaultAsync(TokenPath, status: 429, retryAfter: "1", body: "{\"error\":\"Too many requests\"}");
        var watch = Stopwatch.StartNew();

        ArtSession session = await CoreEmulator.Client(retries: 3, retryIntervalMs: 0).GetTokenAsync(Emu.Identity("limited"), CancellationToken.None);

        watch.Stop();
        Assert.NotNull(session.AccessToken);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(900), "Retry-After not honoured: " + watch.Elapsed);
        Assert.Equal(2, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task MaximumRetryCountZero_MeansOneAttempt_AndKeepsRetryAfter()
    {
        await Emu.AddFaultAsync(PushPath, count: 1, status: 503, retryAfter: "1");

        ArtApiException error = await Assert.ThrowsAsync<ArtApiException>(() => Push(CoreEmulator.Client(retries: 0)));

        Assert.Equal(ArtErrorKind.ServiceUnavailable, error.Kind);
        Assert.Equal(503, error.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);
        Assert.Equal("Injected fault", error.ServerError);
        Assert.Equal(1, (await Emu.StatsAsync()).Push);
        Assert.Empty(await Emu.MessagesAsync());
    }

    [Fact]
    public async Task ARetryAfterDateInThePast_MeansRetryNow()
    {
        await Emu.AddFaultAsync(TokenPath, status: 503, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT");
        var watch = Stopwatch.StartNew();

        await CoreEmulator.Client(retries: 1, retryIntervalMs: 30_000).GetTokenAsync(Emu.Identity("dated"), CancellationToken.None);

        watch.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
        Assert.Equal(2, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task RetriesStopAtTheMaximum()
    {
        await Emu.AddFaultAsync(TokenPath, count: -1, status: 503);

        ArtApiException error = await Assert.ThrowsAsync<ArtApiException>(
            () => CoreEmulator.Client(retries: 2, retryIntervalMs: 5).GetTokenAsync(Emu.Identity("persistent"), CancellationToken.None));

        Assert.Equal(ArtErrorKind.ServiceUnavailable, error.Kind);
        Assert.Equal(3, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task ARetryAfterBeyondTheRetryBudget_IsNotWaitedFor()
    {
        await Emu.AddFaultAsync(TokenPath, count: -1, status: 503, retryAfter: "120");

        (ArtApiException error, TimeSpan elapsed) = await CoreEmulator.ThrowsTimedAsync<ArtApiException>(
            () => CoreEmulator.Client(retries: 3).GetTokenAsync(Emu.Identity("patient"), CancellationToken.None));

        Assert.Equal(ArtErrorKind.ServiceUnavailable, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(120), error.RetryAfter);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), elapsed.ToString());
        Assert.Equal(1, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task BackoffWithoutRetryAfter_UsesTheRetryInterval()
    {
        await Emu.AddFaultAsync(TokenPath, count: 2, status: 502, kind: "html");
        var watch = Stopwatch.StartNew();

        await CoreEmulator.Client(retries: 3, retryIntervalMs: 200).GetTokenAsync(Emu.Identity("backoff"), CancellationToken.None);

        watch.Stop();
        // Attempt 1 waits 100-200 ms, attempt 2 waits 200-400 ms (half fixed, half jitter).
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(290), "no backoff: " + watch.Elapsed);
        Assert.Equal(3, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task TheTokenEndpoint500_IsRetried()
    {
        await Emu.AddFaultAsync(TokenPath, count: 2, status: 500);

        ArtSession session = await CoreEmulator.Client(retries: 3).GetTokenAsync(Emu.Identity("server-error"), CancellationToken.None);

        Assert.NotNull(session.AccessToken);
        Assert.Equal(3, (await Emu.StatsAsync()).Token);
    }

    [Theory]
    [InlineData("reset-before")]
    [InlineData("reset-after")]
    public async Task TheTokenEndpoint_IsRetriedAfterAConnectionReset(string kind)
    {
        await Emu.AddFaultAsync(TokenPath, kind: kind);

        ArtSession session = await CoreEmulator.Client(retries: 2).GetTokenAsync(Emu.Identity("reset"), CancellationToken.None);

        Assert.NotNull(session.AccessToken);
        Assert.True((await Emu.StatsAsync()).Token >= 2);
    }

    // ---- pushes are not idempotent ----

    [Fact]
    public async Task APushWhoseConnectionDropsAfterProcessing_IsNotResent()
    {
        // Warm the connection pool first: a reused connection is where a transparent resend would happen.
        await Push(CoreEmulator.Client(), "warm-up");
        await Emu.ResetAsync();
        await Emu.AddFaultAsync(PushPath, kind: "reset-after");

        ArtException error = await Assert.ThrowsAnyAsync<ArtException>(() => Push(CoreEmulator.Client(retries: 3), "exactly once"));

        Assert.Equal(ArtErrorKind.PushOutcomeUnknown, error.Kind);
        Assert.Contains("not sent again", error.Message);
        Assert.Single(await Emu.MessagesAsync());
        Assert.Equal(1, (await Emu.StatsAsync()).Push);
    }

    [Fact]
    public async Task APushWhoseConnectionDropsAfterProcessing_OnAFreshConnection_IsNotResent()
    {
        await Emu.AddFaultAsync(PushPath, kind: "reset-after");

        // A session object of its own and no warm-up: whatever the pool holds, the push must arrive at most once.
        ArtException error = await Assert.ThrowsAnyAsync<ArtException>(() => Push(CoreEmulator.Client(retries: 3), "once, cold"));

        Assert.Equal(ArtErrorKind.PushOutcomeUnknown, error.Kind);
        Assert.Single(await Emu.MessagesAsync());
    }

    [Fact]
    public async Task APushDroppedBeforeProcessing_ArrivesAtMostOnce()
    {
        await Emu.AddFaultAsync(PushPath, kind: "reset-before");

        Exception? thrown = await Record.ExceptionAsync(() => Push(CoreEmulator.Client(retries: 3), "maybe"));

        if (thrown != null)
        {
            Assert.Equal(ArtErrorKind.PushOutcomeUnknown, Assert.IsAssignableFrom<ArtException>(thrown).Kind);
        }

        Assert.InRange((await Emu.MessagesAsync()).Length, 0, 1);
    }

    [Fact]
    public async Task APush500_IsPushOutcomeUnknown_AndNotResent()
    {
        await Emu.AddFaultAsync(PushPath, count: -1, status: 500, body: "{\"error\":\"Internal failure\"}");

        ArtApiException error = await Assert.ThrowsAsync<ArtApiException>(() => Push(CoreEmulator.Client(retries: 3)));

        Assert.Equal(ArtErrorKind.PushOutcomeUnknown, error.Kind);
        Assert.Equal(500, error.StatusCode);
        Assert.Equal("Internal failure", error.ServerError);
        Assert.Equal(1, (await Emu.StatsAsync()).Push);
    }

    [Fact]
    public async Task APush503_IsResent()
    {
        await Emu.AddFaultAsync(PushPath, count: 2, status: 503);

        await Push(CoreEmulator.Client(retries: 3), "resent after 503");

        Assert.Equal((3L, 1L), ((await Emu.StatsAsync()).Push, (await Emu.StatsAsync()).PushAccepted));
        Assert.Single(await Emu.MessagesAsync());
    }

    [Fact]
    public async Task APushThatNeverLeft_IsConnectionFailed_NotOutcomeUnknown()
    {
        int deadPort = FreePort();
        var dead = new UriBuilder(Emu.BaseUri) { Port = deadPort }.Uri;
        ArtSession session = ArtSession.Restore(
            Emu.RawIdentity("retry-user", baseUri: dead), null,
            TokenSet.FromServer(CoreEmulator.Plain(_session.AccessToken), CoreEmulator.Plain(_session.RefreshToken), null),
            _session.ConnectionId);

        ArtException error = await Assert.ThrowsAnyAsync<ArtException>(
            () => CoreEmulator.Client(retries: 1).PushAsync(session, CoreEmulator.Message(), CancellationToken.None));

        Assert.Equal(ArtErrorKind.ConnectionFailed, error.Kind);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    // ---- timeouts ----

    [Fact]
    public async Task AHangingTokenEndpoint_IsTimeout_AfterItsRetries()
    {
        await Emu.AddFaultAsync(TokenPath, kind: "hang", count: -1);

        (ArtException error, TimeSpan elapsed) = await CoreEmulator.ThrowsTimedAsync<ArtException>(
            () => CoreEmulator.Client(retries: 1, timeoutMs: 300).GetTokenAsync(Emu.Identity("slow"), CancellationToken.None));

        Assert.Equal(ArtErrorKind.Timeout, error.Kind);
        Assert.Contains("0.3 s", error.Message);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), elapsed.ToString());
        Assert.Equal(2, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task AHangOnceOnTheTokenEndpoint_IsRetriedToSuccess()
    {
        await Emu.AddFaultAsync(TokenPath, kind: "hang", count: 1);

        ArtSession session = await CoreEmulator.Client(retries: 2, timeoutMs: 300).GetTokenAsync(Emu.Identity("slow-once"), CancellationToken.None);

        Assert.NotNull(session.AccessToken);
        Assert.Equal(2, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task AHangingPush_IsPushOutcomeUnknown_AndNotResent()
    {
        await Emu.AddFaultAsync(PushPath, kind: "hang", count: 1);

        (ArtException error, TimeSpan elapsed) = await CoreEmulator.ThrowsTimedAsync<ArtException>(
            () => Push(CoreEmulator.Client(retries: 3, timeoutMs: 300)));

        Assert.Equal(ArtErrorKind.PushOutcomeUnknown, error.Kind);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), elapsed.ToString());
        Assert.Equal(1, (await Emu.StatsAsync()).Push);
    }

    [Fact]
    public async Task ABodyThatStallsHalfway_IsTimeout()
    {
        await using var server = await StallingServer.StartAsync();
        ArtSession identity = Emu.RawIdentity("stalled", baseUri: server.BaseUri);

        (ArtException error, TimeSpan elapsed) = await CoreEmulator.ThrowsTimedAsync<ArtException>(
            () => CoreEmulator.Client(retries: 0, timeoutMs: 400).GetTokenAsync(identity, CancellationToken.None));

        Assert.Equal(ArtErrorKind.Timeout, error.Kind);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), elapsed.ToString());
    }

    // ---- cancellation ----

    [Fact]
    public async Task CancellingDuringAHang_EndsTheCallPromptly()
    {
        await Emu.AddFaultAsync(TokenPath, kind: "hang", count: -1);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        (OperationCanceledException _, TimeSpan elapsed) = await CoreEmulator.ThrowsTimedAsync<OperationCanceledException>(
            () => CoreEmulator.Client(retries: 3, timeoutMs: 30_000).GetTokenAsync(Emu.Identity("cancelled"), cancel.Token));

        Assert.True(elapsed < TimeSpan.FromSeconds(5), elapsed.ToString());
        Assert.Equal(1, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task CancellingAHangingPush_EndsItWithOperationCanceled()
    {
        await Emu.AddFaultAsync(PushPath, kind: "hang", count: -1);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        (OperationCanceledException _, TimeSpan elapsed) = await CoreEmulator.ThrowsTimedAsync<OperationCanceledException>(
            () => Push(CoreEmulator.Client(retries: 3, timeoutMs: 30_000), cancellation: cancel.Token));

        Assert.True(elapsed < TimeSpan.FromSeconds(5), elapsed.ToString());
    }

    [Fact]
    public async Task CancellingDuringARetryWait_EndsTheCallPromptly()
    {
        await Emu.AddFaultAsync(TokenPath, count: -1, status: 503, retryAfter: "30");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        (OperationCanceledException _, TimeSpan elapsed) = await CoreEmulator.ThrowsTimedAsync<OperationCanceledException>(
            () => CoreEmulator.Client(retries: 3).GetTokenAsync(Emu.Identity("waiting"), cancel.Token));

        Assert.True(elapsed < TimeSpan.FromSeconds(5), elapsed.ToString());
        Assert.Equal(1, (await Emu.StatsAsync()).Token);
    }

    [Fact]
    public async Task CancellingWhileTheBodyStalls_IsOperationCanceled()
    {
        await using var server = await StallingServer.StartAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        (OperationCanceledException _, TimeSpan elapsed) = await CoreEmulator.ThrowsTimedAsync<OperationCanceledException>(
            () => CoreEmulator.Client(retries: 0, timeoutMs: 30_000).GetTokenAsync(Emu.RawIdentity("stalled", baseUri: server.BaseUri), cancel.Token));

        Assert.True(elapsed < TimeSpan.FromSeconds(5), elapsed.ToString());
    }
}
