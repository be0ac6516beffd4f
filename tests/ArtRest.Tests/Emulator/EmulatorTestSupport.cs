using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Emulator;
using Xunit;

namespace ArtRest.Tests.Emulator;

/// <summary>A clock the tests move by hand.</summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private long _utcTicks;

    public ManualTimeProvider(DateTimeOffset start) => _utcTicks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
}

/// <summary>A response read whole: status, text, headers and the parsed JSON when it parses.</summary>
public sealed class ArtResponse
{
    public ArtResponse(HttpResponseMessage message, string text)
    {
        Status = (int)message.StatusCode;
        Text = text;
        Message = message;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(text);
            Json = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
        }
    }

    public int Status { get; }
    public string Text { get; }
    public HttpResponseMessage Message { get; }
    public JsonElement? Json { get; }

    public JsonElement Root => Json ?? throw new InvalidOperationException("not JSON: " + Text);
    public JsonElement Data => Root.GetProperty("data");
    public string? Error => Root.TryGetProperty("error", out JsonElement e) ? e.GetString() : null;
    public string? ContentType => Message.Content.Headers.ContentType?.MediaType;

    /// <summary>Asserts status and {"error": text}.</summary>
    public void AssertError(int status, string error)
    {
        Assert.True(status == Status, $"expected {status} {error}, got {Status}: {Text}");
        Assert.Equal(error, Error);
        Assert.Single(Root.EnumerateObject());
    }

    public void AssertOk(string message)
    {
        Assert.True(Status == 200, $"expected 200, got {Status}: {Text}");
        Assert.Equal(200, Root.GetProperty("status").GetInt32());
        Assert.Equal(message, Root.GetProperty("message").GetString());
    }
}

/// <summary>Starts an emulator on a free loopback port for a test class.</summary>
public class EmulatorFixture : IAsyncLifetime
{
    public static readonly byte[] SigningKey = Encoding.UTF8.GetBytes("test-signing-key-0123456789abcdef");

    public ArtEmulatorServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public Uri BaseUri => Server.BaseUri;

    protected virtual EmulatorOptions CreateOptions()
    {
        EmulatorOptions o = EmulatorOptions.CreateDefault();
        o.Port = 0;
        o.SigningKey = SigningKey;
        // Same org, another project: its tokens must not work on the demo project.
        o.Tenants.Add(new TenantOptions
        {
            Org = "demo-org", Environment = "prod", ProjectKey = "demo-project",
            ClientId = "prod-client-id", ClientSecret = "prod-client-secret",
        });
        // Another org that lists its users and opens a channel prefix to one user.
        o.Tenants.Add(new TenantOptions
        {
            Org = "acme", Environment = "test", ProjectKey = "rockets",
            ClientId = "acme-id", ClientSecret = "acme-secret",
            Users = new List<string> { "alice", "bob" },
            Rbac = new List<RbacRule> { new() { Channel = "ops.*", Allow = new List<string> { "alice" } } },
        });
        return o;
    }

    public async Task InitializeAsync()
    {
        Server = await ArtEmulatorServer.StartAsync(CreateOptions());
        Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    // ---- raw requests ----

    public Uri Url(string relative) => new(Server.BaseUri.AbsoluteUri + relative);

    public Task<ArtResponse> SendAsync(HttpMethod method, string relative, string? body,
        IEnumerable<KeyValuePair<string, string>>? headers = null, CancellationToken ct = default) =>
        SendAsync(Http, method, relative, body, headers, ct);

    /// <summary>On a new connection: SocketsHttpHandler silently retries a request once when a reused
    /// connection drops before any response byte, which would hide reset faults.</summary>
    public async Task<ArtResponse> SendFreshAsync(HttpMethod method, string relative, string? body,
        IEnumerable<KeyValuePair<string, string>>? headers = null, CancellationToken ct = default)
    {
        using var client = new HttpClient();
        return await SendAsync(client, method, relative, body, headers, ct);
    }

    private async Task<ArtResponse> SendAsync(HttpClient http, HttpMethod method, string relative, string? body,
        IEnumerable<KeyValuePair<string, string>>? headers, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(method, Url(relative));
        if (body is not null)
            req.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (headers is not null)
            foreach (var h in headers)
                req.Headers.TryAddWithoutValidation(h.Key, h.Value);
        HttpResponseMessage resp = await http.SendAsync(req, ct);
        string text = await resp.Content.ReadAsStringAsync(ct);
        return new ArtResponse(resp, text);
    }

    public Task<ArtResponse> PostAsync(string relative, string? body, IEnumerable<KeyValuePair<string, string>>? headers) =>
        SendAsync(HttpMethod.Post, relative, body, headers);

    public Task<ArtResponse> AdminAsync(HttpMethod method, string relative, string? body = null) =>
        SendAsync(method, "/_emulator" + relative, body);

    // ---- headers ----

    public static Dictionary<string, string> Tenant(string org = "demo-org", string env = "dev", string project = "demo-project") =>
        new() { ["X-Org"] = org, ["Environment"] = env, ["ProjectKey"] = project };

    public static Dictionary<string, string> WithSecret(Dictionary<string, string>? tenant = null,
        string clientId = "demo-client-id", string secret = "demo-client-secret")
    {
        Dictionary<string, string> h = tenant ?? Tenant();
        h["Client-Id"] = clientId;
        h["Client-Secret"] = secret;
        return h;
    }

    public static Dictionary<string, string> WithBearer(string token, Dictionary<string, string>? tenant = null)
    {
        Dictionary<string, string> h = tenant ?? Tenant();
        h["Authorization"] = "Bearer " + token;
        return h;
    }

    public static string UserBody(string username) => JsonSerializer.Serialize(new { username, first_name = "F", last_name = "L" });

    // ---- the workflow ----

    public async Task<(string AccessToken, string RefreshToken)> SignInAsync(string user, Dictionary<string, string>? headers = null)
    {
        ArtResponse r = await PostAsync("/auth/token", UserBody(user), headers ?? WithSecret());
        r.AssertOk("Authenticated");
        return (r.Data.GetProperty("access_token").GetString()!, r.Data.GetProperty("refresh_token").GetString()!);
    }

    public async Task<string> ConnectAsync(string accessToken, Dictionary<string, string>? tenant = null)
    {
        ArtResponse r = await PostAsync("/v1/connect/new-connection", "{}", WithBearer(accessToken, tenant));
        r.AssertOk("Connection ID generated successfully");
        return r.Data.GetProperty("connection_id").GetString()!;
    }

    public async Task<(string Token, string ConnectionId)> SessionAsync(string user)
    {
        (string token, _) = await SignInAsync(user);
        return (token, await ConnectAsync(token));
    }

    public static string PushBody(string connectionId, string channel = "news", string evt = "message",
        string content = "hello", string[]? to = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["channel"] = channel, ["event"] = evt, ["content"] = content, ["to"] = to, ["connection_id"] = connectionId,
        });

    public Task<ArtResponse> PushAsync(string token, string body) => PostAsync("/v1/push-message", body, WithBearer(token));

    public async Task ResetAsync()
    {
        ArtResponse r = await AdminAsync(HttpMethod.Post, "/reset");
        Assert.Equal(204, r.Status);
    }

    public async Task<JsonElement> StatsAsync() => (await AdminAsync(HttpMethod.Get, "/stats")).Root;

    public async Task<JsonElement[]> MessagesAsync()
    {
        ArtResponse r = await AdminAsync(HttpMethod.Get, "/messages");
        Assert.Equal(200, r.Status);
        var list = new List<JsonElement>();
        foreach (JsonElement e in r.Root.EnumerateArray())
            list.Add(e);
        return list.ToArray();
    }

    public async Task AddFaultAsync(string json)
    {
        ArtResponse r = await AdminAsync(HttpMethod.Post, "/faults", json);
        Assert.True(r.Status == 201, r.Text);
    }

    public async Task PutSettingsAsync(string json)
    {
        ArtResponse r = await AdminAsync(HttpMethod.Put, "/settings", json);
        Assert.True(r.Status == 200, r.Text);
    }
}

/// <summary>An emulator whose clock the tests move.</summary>
public sealed class ManualClockFixture : EmulatorFixture
{
    public ManualTimeProvider Clock { get; } = new(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));

    protected override EmulatorOptions CreateOptions()
    {
        EmulatorOptions o = base.CreateOptions();
        o.TimeProvider = Clock;
        o.TokenLifetimeSeconds = 60;
        o.RefreshTokenLifetimeSeconds = 300;
        o.PasscodeLifetimeSeconds = 30;
        return o;
    }
}
