using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Client;
using ArtRest.Emulator;
using Xunit;

namespace ArtRest.Tests.Core;

/// <summary>The emulator's clock: real time plus an offset the tests set (to issue tokens that are already expired).</summary>
public sealed class OffsetTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + Offset;
}

/// <summary>The emulator's /stats counters.</summary>
public sealed record EmulatorCounts(long Passcode, long Token, long Refresh, long NewConnection, long Push, long PushAccepted);

/// <summary>Collects the client's verbose and debug text.</summary>
public sealed class RecordingLog : IArtLog
{
    private readonly ConcurrentQueue<string> _lines = new();

    public bool VerboseEnabled => true;

    public bool DebugEnabled => true;

    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    public string All => string.Join("\n", _lines);

    public void Verbose(string text) => _lines.Enqueue("VERBOSE: " + text);

    public void Debug(string text) => _lines.Enqueue("DEBUG: " + text);
}

/// <summary>
/// One emulator per test class, on a free loopback port, with the demo tenant
/// (demo-org / dev / demo-project, demo-client-id / demo-client-secret).
/// </summary>
public class CoreEmulator : IAsyncLifetime
{
    public const string Org = "demo-org";
    public const string Env = "dev";
    public const string Project = "demo-project";
    public const string ClientId = "demo-client-id";
    public const string ClientSecret = "demo-client-secret";

    public ArtEmulatorServer Server { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public OffsetTimeProvider Clock { get; } = new();

    public Uri BaseUri => Server.BaseUri;

    protected virtual string Host => "127.0.0.1";

    public async Task InitializeAsync()
    {
        EmulatorOptions options = EmulatorOptions.CreateDefault();
        options.Port = 0;
        options.Host = Host;
        options.TimeProvider = Clock;
        Server = await ArtEmulatorServer.StartAsync(options);
        Admin = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Server.DisposeAsync();
    }

    // ---- admin API ----

    private Uri AdminUrl(string relative) => new(Server.AdminUri.AbsoluteUri + relative);

    private async Task<string> AdminAsync(HttpMethod method, string relative, string? json, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, AdminUrl(relative));
        if (json != null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using HttpResponseMessage response = await Admin.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"admin {method} {relative}: HTTP {(int)response.StatusCode} {text}");
        return text;
    }

    /// <summary>Clears messages, stats and faults; restores the default lifetimes and the clock.</summary>
    public async Task ResetAsync()
    {
        Clock.Offset = TimeSpan.Zero;
        await AdminAsync(HttpMethod.Post, "/reset", null, HttpStatusCode.NoContent);
        await SettingsAsync(tokenLifetimeSeconds: 3600, refreshTokenLifetimeSeconds: 86400, passcodeLifetimeSeconds: 600, latencyMs: 0);
    }

    public Task ClearStatsAsync() => AdminAsync(HttpMethod.Delete, "/stats", null, HttpStatusCode.NoContent);

    public async Task<EmulatorCounts> StatsAsync()
    {
        using JsonDocument doc = JsonDocument.Parse(await AdminAsync(HttpMethod.Get, "/stats", null, HttpStatusCode.OK));
        JsonElement s = doc.RootElement;
        return new EmulatorCounts(
            s.GetProperty("passcode").GetInt64(),
            s.GetProperty("token").GetInt64(),
            s.GetProperty("refresh").GetInt64(),
            s.GetProperty("newConnection").GetInt64(),
            s.GetProperty("push").GetInt64(),
            s.GetProperty("pushAccepted").GetInt64());
    }

    public async Task<JsonElement[]> MessagesAsync()
    {
        using JsonDocument doc = JsonDocument.Parse(await AdminAsync(HttpMethod.Get, "/messages", null, HttpStatusCode.OK));
        var list = new List<JsonElement>();
        foreach (JsonElement e in doc.RootElement.EnumerateArray())
        {
            list.Add(e.Clone());
        }

        return list.ToArray();
    }

    /// <summary>Adds a fault rule; path is relative to the base URI (e.g. "/v1/push-message").</summary>
    public Task AddFaultAsync(
        string path, string kind = "status", int count = 1, int? status = null, string? retryAfter = null,
        string? body = null, string? contentType = null)
    {
        var rule = new Dictionary<string, object?> { ["path"] = path, ["kind"] = kind, ["count"] = count };
        if (status is int s)
        {
            rule["status"] = s;
        }

        if (retryAfter != null)
        {
            rule["retryAfter"] = retryAfter;
        }

        if (body != null)
        {
            rule["body"] = body;
        }

        if (contentType != null)
        {
            rule["contentType"] = contentType;
        }

        return AdminAsync(HttpMethod.Post, "/faults", JsonSerializer.Serialize(rule), HttpStatusCode.Created);
    }

    public Task SettingsAsync(
        int? tokenLifetimeSeconds = null, int? refreshTokenLifetimeSeconds = null, int? passcodeLifetimeSeconds = null, int? latencyMs = null)
    {
        var settings = new Dictionary<string, int>();
        if (tokenLifetimeSeconds is int t)
        {
            settings["tokenLifetimeSeconds"] = t;
        }

        if (refreshTokenLifetimeSeconds is int r)
        {
            settings["refreshTokenLifetimeSeconds"] = r;
        }

        if (passcodeLifetimeSeconds is int p)
        {
            settings["passcodeLifetimeSeconds"] = p;
        }

        if (latencyMs is int l)
        {
            settings["latencyMs"] = l;
        }

        return AdminAsync(HttpMethod.Put, "/settings", JsonSerializer.Serialize(settings), HttpStatusCode.OK);
    }

    /// <summary>Uses a refresh token up directly (the emulator rotates: a used refresh token is revoked).</summary>
    public async Task RevokeRefreshTokenAsync(string refreshToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUri.AbsoluteUri + "/auth/token/refresh"));
        request.Headers.TryAddWithoutValidation("X-Org", Org);
        request.Headers.TryAddWithoutValidation("Environment", Env);
        request.Headers.TryAddWithoutValidation("ProjectKey", Project);
        request.Content = new StringContent(JsonSerializer.Serialize(new { refresh_token = refreshToken }), Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    // ---- sessions and clients ----

    /// <summary>A demo-tenant identity with the client secret, built the way the cmdlets build it.</summary>
    public ArtSession Identity(string user = "alice", string? firstName = "Alice", string? lastName = "Liddell") =>
        ArtSettings.Resolve(
            new ArtSettings
            {
                BaseUri = BaseUri.AbsoluteUri,
                Organization = Org,
                Environment = Env,
                ProjectKey = Project,
                ClientId = ClientId,
                ClientSecret = Secrets.ToSecureString(ClientSecret),
            },
            configurationPath: null,
            environmentVariable: _ => null,
            user, firstName, lastName, clientSecretRequired: true);

    /// <summary>An identity with any values (bypasses ArtSettings validation).</summary>
    public ArtSession RawIdentity(
        string user, string org = Org, string env = Env, string project = Project, string? clientId = ClientId,
        string? clientSecret = ClientSecret, Uri? baseUri = null) =>
        new(baseUri ?? BaseUri, org, env, project, clientId,
            clientSecret == null ? null : Secrets.ToSecureString(clientSecret), user, null, null);

    public static ArtClient Client(
        int retries = 3, int timeoutMs = 10_000, int retryIntervalMs = 0, bool allowUnencrypted = false, IArtLog? log = null) =>
        new(new ArtCallOptions
        {
            MaximumRetryCount = retries,
            Timeout = TimeSpan.FromMilliseconds(timeoutMs),
            RetryInterval = TimeSpan.FromMilliseconds(retryIntervalMs),
            AllowUnencryptedAuthentication = allowUnencrypted,
            Log = log,
        });

    /// <summary>Token and connection for a user, then the stats cleared.</summary>
    public async Task<ArtSession> ConnectedAsync(string user, ArtClient? client = null)
    {
        client ??= Client();
        ArtSession session = await client.GetTokenAsync(Identity(user), CancellationToken.None);
        session = await client.NewConnectionAsync(session, CancellationToken.None);
        await ClearStatsAsync();
        return session;
    }

    /// <summary>
    /// A connected session whose access token has already expired (by the client's clock and the
    /// emulator's) while its refresh token is still good: the token is refreshed with the emulator's
    /// clock set back by a little more than the token lifetime. Stats are cleared afterwards.
    /// </summary>
    public async Task<ArtSession> ExpiredSessionAsync(string user, int refreshLifetimeSeconds = 86400)
    {
        ArtClient client = Client();
        ArtSession session = await ConnectedAsync(user, client);
        await SettingsAsync(refreshTokenLifetimeSeconds: refreshLifetimeSeconds);
        Clock.Offset = TimeSpan.FromSeconds(-(3600 + 30));
        try
        {
            await client.RefreshAsync(session, CancellationToken.None);
        }
        finally
        {
            Clock.Offset = TimeSpan.Zero;
            await SettingsAsync(refreshTokenLifetimeSeconds: 86400);
        }

        Assert.True(session.TokenExpiresAt < DateTime.UtcNow, "the session's token should have expired");
        await ClearStatsAsync();
        return session;
    }

    public static ArtMessage Message(string content = "hello", string channel = "news", string evt = "message", params string[] to) =>
        new(channel, evt, content, to);

    public static string Plain(SecureString? secure) => secure == null ? throw new InvalidOperationException("no value") : Secrets.ToPlainText(secure);

    public static async Task<(T Error, TimeSpan Elapsed)> ThrowsTimedAsync<T>(Func<Task> call)
        where T : Exception
    {
        var watch = Stopwatch.StartNew();
        Exception? thrown = await Record.ExceptionAsync(call);
        watch.Stop();
        Assert.NotNull(thrown);
        T typed = Assert.IsAssignableFrom<T>(thrown);
        return (typed, watch.Elapsed);
    }
}

/// <summary>Base of the test classes that talk to an emulator: every test starts from a reset emulator.</summary>
public abstract class EmulatorTests : IClassFixture<CoreEmulator>, IAsyncLifetime
{
    protected EmulatorTests(CoreEmulator emulator) => Emu = emulator;

    protected CoreEmulator Emu { get; }

    public virtual Task InitializeAsync() => Emu.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}
