using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace ArtRest.Tests.Emulator;

/// <summary>Fault injection and the rest of the admin API. Each test starts from /reset.</summary>
public sealed class FaultTests : IClassFixture<EmulatorFixture>, IAsyncLifetime
{
    private readonly EmulatorFixture _f;
    private string _token = "";
    private string _conn = "";

    public FaultTests(EmulatorFixture f) => _f = f;

    public async Task InitializeAsync()
    {
        await _f.ResetAsync();
        await _f.PutSettingsAsync("{\"latencyMs\":0}");
        (_token, _conn) = await _f.SessionAsync("faulty");
        await _f.ResetAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<ArtResponse> PushAsync() => _f.PushAsync(_token, EmulatorFixture.PushBody(_conn));

    private Task<ArtResponse> FreshPushAsync() =>
        _f.SendFreshAsync(HttpMethod.Post, "/v1/push-message", EmulatorFixture.PushBody(_conn), EmulatorFixture.WithBearer(_token));

    private async Task<JsonElement[]> FaultsAsync() => (await _f.AdminAsync(HttpMethod.Get, "/faults")).Root.EnumerateArray().ToArray();

    [Fact]
    public async Task Status_WithRetryAfter_AppliesCountTimes_ThenNormal()
    {
        await _f.AddFaultAsync("{\"path\":\"/v1/push-message\",\"count\":2,\"status\":429,\"retryAfter\":\"2\"}");
        for (int i = 0; i < 2; i++)
        {
            ArtResponse r = await PushAsync();
            r.AssertError(429, "Injected fault");
            Assert.Equal("2", r.Message.Headers.GetValues("Retry-After").Single());
        }
        (await PushAsync()).AssertOk("Message processed successfully");
        Assert.Single(await _f.MessagesAsync());
        Assert.Empty(await FaultsAsync());
        JsonElement stats = await _f.StatsAsync();
        Assert.Equal(3, stats.GetProperty("push").GetInt64());
        Assert.Equal(1, stats.GetProperty("pushAccepted").GetInt64());
    }

    [Fact]
    public async Task Status_Defaults503_CustomBodyAndContentType_HttpDateRetryAfter()
    {
        await _f.AddFaultAsync("{\"path\":\"/auth/token\"}");
        (await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("x"), EmulatorFixture.WithSecret())).AssertError(503, "Injected fault");

        await _f.AddFaultAsync("{\"path\":\"/auth/token\",\"status\":500,\"body\":\"{\\\"error\\\":\\\"Failed to get WebSocket backend\\\"}\"," +
                               "\"retryAfter\":\"Wed, 21 Oct 2015 07:28:00 GMT\"}");
        ArtResponse r = await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("x"), EmulatorFixture.WithSecret());
        r.AssertError(500, "Failed to get WebSocket backend");
        Assert.Equal("Wed, 21 Oct 2015 07:28:00 GMT", r.Message.Headers.GetValues("Retry-After").Single());

        await _f.AddFaultAsync("{\"path\":\"/auth/token\",\"status\":500,\"body\":\"oops\",\"contentType\":\"text/plain\"}");
        r = await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("x"), EmulatorFixture.WithSecret());
        Assert.Equal(500, r.Status);
        Assert.Equal("oops", r.Text);
        Assert.Equal("text/plain", r.ContentType);
    }

    [Fact]
    public async Task Rules_MatchTheirPathOnly_InInsertionOrder_AndListAsPending()
    {
        await _f.AddFaultAsync("{\"path\":\"/v1/connect/new-connection\",\"status\":418,\"count\":-1}");
        await _f.AddFaultAsync("{\"path\":\"/ws/v1/push-message\",\"status\":502,\"count\":1}");
        await _f.AddFaultAsync("{\"path\":\"/v1/push-message\",\"status\":504,\"count\":1}");
        JsonElement[] pending = await FaultsAsync();
        Assert.Equal(3, pending.Length);
        Assert.Equal("/v1/push-message", pending[1].GetProperty("path").GetString());
        Assert.Equal(-1, pending[0].GetProperty("count").GetInt32());

        Assert.Equal(502, (await PushAsync()).Status);
        Assert.Equal(504, (await PushAsync()).Status);
        (await PushAsync()).AssertOk("Message processed successfully");
        for (int i = 0; i < 3; i++)
            Assert.Equal(418, (await _f.PostAsync("/v1/connect/new-connection", "{}", EmulatorFixture.WithBearer(_token))).Status);
        Assert.Single(await FaultsAsync());

        Assert.Equal(204, (await _f.AdminAsync(HttpMethod.Delete, "/faults")).Status);
        Assert.Empty(await FaultsAsync());
        await _f.ConnectAsync(_token);
    }

    [Fact]
    public async Task Probability_WithSeed_IsDeterministic()
    {
        await _f.AddFaultAsync("{\"path\":\"/v1/push-message\",\"count\":-1,\"probability\":0.5,\"seed\":1234}");
        var random = new Random(1234);
        for (int i = 0; i < 20; i++)
        {
            bool hit = random.NextDouble() < 0.5;
            Assert.Equal(hit ? 503 : 200, (await PushAsync()).Status);
        }
    }

    [Fact]
    public async Task ProbabilityZero_NeverHits_AndDoesNotConsume()
    {
        await _f.AddFaultAsync("{\"path\":\"/v1/push-message\",\"count\":1,\"probability\":0}");
        for (int i = 0; i < 5; i++)
            (await PushAsync()).AssertOk("Message processed successfully");
        Assert.Equal(1, Assert.Single(await FaultsAsync()).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Delay_WaitsThenProcesses()
    {
        await _f.AddFaultAsync("{\"path\":\"/v1/push-message\",\"kind\":\"delay\",\"latencyMs\":300}");
        var sw = Stopwatch.StartNew();
        (await PushAsync()).AssertOk("Message processed successfully");
        Assert.True(sw.ElapsedMilliseconds >= 280, $"took {sw.ElapsedMilliseconds} ms");
        Assert.Single(await _f.MessagesAsync());
    }

    [Fact]
    public async Task LatencySetting_DelaysEveryArtRequest()
    {
        await _f.PutSettingsAsync("{\"latencyMs\":200}");
        try
        {
            var sw = Stopwatch.StartNew();
            (await PushAsync()).AssertOk("Message processed successfully");
            Assert.True(sw.ElapsedMilliseconds >= 180, $"took {sw.ElapsedMilliseconds} ms");
        }
        finally
        {
            await _f.PutSettingsAsync("{\"latencyMs\":0}");
        }
    }

    [Fact]
    public async Task ResetBefore_DropsTheConnection_NothingRecorded()
    {
        await _f.AddFaultAsync("{\"path\":\"/v1/push-message\",\"kind\":\"reset-before\"}");
        await Assert.ThrowsAsync<HttpRequestException>(() => FreshPushAsync());
        Assert.Empty(await _f.MessagesAsync());
        Assert.Equal(1, (await _f.StatsAsync()).GetProperty("push").GetInt64());
        (await PushAsync()).AssertOk("Message processed successfully");
    }

    [Fact]
    public async Task ResetAfter_RecordsThePush_ButSendsNoResponse()
    {
        await _f.AddFaultAsync("{\"path\":\"/v1/push-message\",\"kind\":\"reset-after\"}");
        await Assert.ThrowsAsync<HttpRequestException>(() => FreshPushAsync());
        JsonElement m = Assert.Single(await _f.MessagesAsync());
        Assert.Equal("hello", m.GetProperty("content").GetString());
        Assert.Equal(1, (await _f.StatsAsync()).GetProperty("pushAccepted").GetInt64());
    }

    [Fact]
    public async Task ResetAfter_OnToken_IssuesButDrops()
    {
        await _f.AddFaultAsync("{\"path\":\"/auth/token\",\"kind\":\"reset-after\"}");
        await Assert.ThrowsAsync<HttpRequestException>(() =>
            _f.SendFreshAsync(HttpMethod.Post, "/auth/token", EmulatorFixture.UserBody("x"), EmulatorFixture.WithSecret()));
        (await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("x"), EmulatorFixture.WithSecret())).AssertOk("Authenticated");
    }

    [Fact]
    public async Task Hang_NeverAnswers_UntilTheClientGivesUp()
    {
        await _f.AddFaultAsync("{\"path\":\"/v1/push-message\",\"kind\":\"hang\"}");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _f.SendAsync(HttpMethod.Post, "/v1/push-message", EmulatorFixture.PushBody(_conn), EmulatorFixture.WithBearer(_token), cts.Token));
        Assert.Empty(await _f.MessagesAsync());
        (await PushAsync()).AssertOk("Message processed successfully");
    }

    [Fact]
    public async Task Hang_IsReleasedWhenTheServerStops()
    {
        var fixture = new EmulatorFixture();
        await fixture.InitializeAsync();
        Task<ArtResponse> pending;
        var sw = Stopwatch.StartNew();
        try
        {
            await fixture.AddFaultAsync("{\"path\":\"/auth/token\",\"kind\":\"hang\"}");
            pending = fixture.SendFreshAsync(HttpMethod.Post, "/auth/token", EmulatorFixture.UserBody("x"), EmulatorFixture.WithSecret());
            await Task.Delay(200);
            Assert.False(pending.IsCompleted);
        }
        finally
        {
            await fixture.DisposeAsync();
        }
        await Assert.ThrowsAsync<HttpRequestException>(() => pending);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task Html_ProxyPage()
    {
        await _f.AddFaultAsync("{\"path\":\"/v1/push-message\",\"kind\":\"html\"}");
        ArtResponse r = await PushAsync();
        Assert.Equal(502, r.Status);
        Assert.Equal("text/html", r.ContentType);
        Assert.Contains("<html>", r.Text);
        Assert.Contains("502 Bad Gateway", r.Text);
        Assert.Null(r.Json);

        await _f.AddFaultAsync("{\"path\":\"/v1/push-message\",\"kind\":\"html\",\"status\":504}");
        r = await PushAsync();
        Assert.Equal(504, r.Status);
        Assert.Contains("504 Gateway Timeout", r.Text);
    }

    [Fact]
    public async Task Empty_200WithNoBody()
    {
        await _f.AddFaultAsync("{\"path\":\"/auth/token\",\"kind\":\"empty\"}");
        ArtResponse r = await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("x"), EmulatorFixture.WithSecret());
        Assert.Equal(200, r.Status);
        Assert.Equal("", r.Text);
        Assert.Equal(0, r.Message.Content.Headers.ContentLength);

        await _f.AddFaultAsync("{\"path\":\"/auth/token\",\"kind\":\"empty\",\"status\":500}");
        r = await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("x"), EmulatorFixture.WithSecret());
        Assert.Equal(500, r.Status);
        Assert.Equal("", r.Text);
    }

    [Fact]
    public async Task Truncated_IsBrokenJson()
    {
        await _f.AddFaultAsync("{\"path\":\"/auth/token\",\"kind\":\"truncated\"}");
        ArtResponse r = await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("x"), EmulatorFixture.WithSecret());
        Assert.Equal(200, r.Status);
        Assert.Equal("{\"status\":200,\"data\":{\"acc", r.Text);
        Assert.Null(r.Json);
    }

    [Fact]
    public async Task NoData_EnvelopeWithoutData()
    {
        await _f.AddFaultAsync("{\"path\":\"/v1/connect/new-connection\",\"kind\":\"no-data\"}");
        ArtResponse r = await _f.PostAsync("/v1/connect/new-connection", "{}", EmulatorFixture.WithBearer(_token));
        r.AssertOk("Connection ID generated successfully");
        Assert.False(r.Root.TryGetProperty("data", out _));
    }

    [Fact]
    public async Task WrongData_HasTheWrongType()
    {
        await _f.AddFaultAsync("{\"path\":\"/auth/token\",\"kind\":\"wrong-data\"}");
        await _f.AddFaultAsync("{\"path\":\"/v1/push-message\",\"kind\":\"wrong-data\"}");
        ArtResponse token = await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("x"), EmulatorFixture.WithSecret());
        token.AssertOk("Authenticated");
        Assert.Equal(JsonValueKind.Number, token.Data.ValueKind);
        ArtResponse push = await PushAsync();
        push.AssertOk("Message processed successfully");
        Assert.Equal(JsonValueKind.Object, push.Data.ValueKind);
        Assert.Empty(await _f.MessagesAsync());
    }

    [Fact]
    public async Task ErrorIn200()
    {
        await _f.AddFaultAsync("{\"path\":\"/auth/token/refresh\",\"kind\":\"error-in-200\"}");
        ArtResponse r = await _f.PostAsync("/auth/token/refresh", "{\"refresh_token\":\"x\"}", EmulatorFixture.Tenant());
        Assert.Equal(200, r.Status);
        Assert.Equal(500, r.Root.GetProperty("status").GetInt32());
        Assert.Equal("Internal failure", r.Error);
    }

    [Fact]
    public async Task Huge_Streams10MB()
    {
        await _f.AddFaultAsync("{\"path\":\"/v1/connect/passcode\",\"kind\":\"huge\"}");
        using var req = new HttpRequestMessage(HttpMethod.Post, _f.Url("/v1/connect/passcode"));
        using HttpResponseMessage resp = await _f.Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)resp.StatusCode);
        Assert.Null(resp.Content.Headers.ContentLength);
        byte[] body = await resp.Content.ReadAsByteArrayAsync();
        Assert.Equal(10 * 1024 * 1024, body.Length);
        Assert.StartsWith("{\"status\":200,\"data\":\"xxx", System.Text.Encoding.ASCII.GetString(body, 0, 30));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"path\":\"/nope\"}")]
    [InlineData("{\"path\":\"/auth/token\",\"kind\":\"explode\"}")]
    [InlineData("{\"path\":\"/auth/token\",\"count\":0}")]
    [InlineData("{\"path\":\"/auth/token\",\"probability\":1.5}")]
    [InlineData("{\"path\":\"/auth/token\",\"status\":42}")]
    [InlineData("{\"path\":\"/auth/token\",\"colour\":\"red\"}")]
    [InlineData("not json")]
    public async Task BadFaultRule_Is400(string rule)
    {
        ArtResponse r = await _f.AdminAsync(HttpMethod.Post, "/faults", rule);
        Assert.Equal(400, r.Status);
        Assert.False(string.IsNullOrEmpty(r.Error));
        Assert.Empty(await FaultsAsync());
    }

    [Fact]
    public async Task Settings_GetPut()
    {
        JsonElement s = (await _f.AdminAsync(HttpMethod.Get, "/settings")).Root;
        Assert.Equal(3600, s.GetProperty("tokenLifetimeSeconds").GetInt32());
        Assert.Equal(86400, s.GetProperty("refreshTokenLifetimeSeconds").GetInt32());
        Assert.Equal(600, s.GetProperty("passcodeLifetimeSeconds").GetInt32());
        Assert.Equal(0, s.GetProperty("latencyMs").GetInt32());
        try
        {
            ArtResponse put = await _f.AdminAsync(HttpMethod.Put, "/settings", "{\"tokenLifetimeSeconds\":120}");
            Assert.Equal(120, put.Root.GetProperty("tokenLifetimeSeconds").GetInt32());
            Assert.Equal(600, put.Root.GetProperty("passcodeLifetimeSeconds").GetInt32());
            (string token, _) = await _f.SignInAsync("z");
            using JsonDocument p = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1]));
            Assert.Equal(120, p.RootElement.GetProperty("exp").GetInt64() - p.RootElement.GetProperty("iat").GetInt64());

            Assert.Equal(400, (await _f.AdminAsync(HttpMethod.Put, "/settings", "{\"tokenLifetimeSeconds\":-1}")).Status);
            Assert.Equal(400, (await _f.AdminAsync(HttpMethod.Put, "/settings", "{\"bogus\":1}")).Status);
            Assert.Equal(400, (await _f.AdminAsync(HttpMethod.Put, "/settings", "[]")).Status);
        }
        finally
        {
            await _f.PutSettingsAsync("{\"tokenLifetimeSeconds\":3600}");
        }
    }

    [Fact]
    public async Task Reset_ClearsMessagesStatsFaults_KeepsSettings()
    {
        (await PushAsync()).AssertOk("Message processed successfully");
        await _f.AddFaultAsync("{\"path\":\"/auth/token\"}");
        await _f.PutSettingsAsync("{\"passcodeLifetimeSeconds\":601}");
        try
        {
            await _f.ResetAsync();
            Assert.Empty(await _f.MessagesAsync());
            Assert.Empty(await FaultsAsync());
            Assert.Equal(0, (await _f.StatsAsync()).GetProperty("push").GetInt64());
            Assert.Equal(601, (await _f.AdminAsync(HttpMethod.Get, "/settings")).Root.GetProperty("passcodeLifetimeSeconds").GetInt32());
        }
        finally
        {
            await _f.PutSettingsAsync("{\"passcodeLifetimeSeconds\":600}");
        }
    }

    [Fact]
    public async Task Admin_UnknownPathAndMethod()
    {
        Assert.Equal(404, (await _f.AdminAsync(HttpMethod.Get, "/nothing")).Status);
        Assert.Equal(405, (await _f.AdminAsync(HttpMethod.Post, "/stats")).Status);
    }
}
