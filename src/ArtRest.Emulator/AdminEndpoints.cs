using System;
using System.IO;
using System.Net;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace ArtRest.Emulator;

/// <summary>The admin API under /ws/_emulator: messages, stats, settings, faults, reset. Loopback callers only.</summary>
public sealed class AdminEndpoints
{
    public const string Prefix = "/_emulator";

    private readonly EmulatorState _state;

    public AdminEndpoints(EmulatorState state) => _state = state;

    /// <summary>Handles a path relative to /ws/_emulator (e.g. "/messages").</summary>
    public async Task HandleAsync(HttpContext ctx, string path)
    {
        IPAddress? remote = ctx.Connection.RemoteIpAddress;
        if (remote is not null && !IPAddress.IsLoopback(remote))
        {
            await JsonReply.WriteAsync(ctx, 403, Errors.Forbidden);
            return;
        }
        string method = ctx.Request.Method;
        bool get = HttpMethods.IsGet(method), delete = HttpMethods.IsDelete(method);
        switch (path.TrimEnd('/'))
        {
            case "/messages" when get:
                await WriteMessagesAsync(ctx);
                return;
            case "/messages" when delete:
                _state.Messages.Clear();
                NoContent(ctx);
                return;
            case "/stats" when get:
                await WriteStatsAsync(ctx);
                return;
            case "/stats" when delete:
                _state.Stats.Reset();
                NoContent(ctx);
                return;
            case "/settings" when get:
                await WriteSettingsAsync(ctx);
                return;
            case "/settings" when HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsPost(method):
                await PutSettingsAsync(ctx);
                return;
            case "/faults" when get:
                await WriteFaultsAsync(ctx);
                return;
            case "/faults" when HttpMethods.IsPost(method):
                await AddFaultAsync(ctx);
                return;
            case "/faults" when delete:
                _state.Faults.Clear();
                NoContent(ctx);
                return;
            case "/reset" when HttpMethods.IsPost(method):
                _state.Messages.Clear();
                _state.Stats.Reset();
                _state.Faults.Clear();
                NoContent(ctx);
                return;
            case "/messages":
            case "/stats":
            case "/settings":
            case "/faults":
            case "/reset":
                await JsonReply.WriteAsync(ctx, 405, Errors.MethodNotAllowed);
                return;
            default:
                await JsonReply.WriteAsync(ctx, 404, Errors.NotFound);
                return;
        }
    }

    private static void NoContent(HttpContext ctx) => ctx.Response.StatusCode = StatusCodes.Status204NoContent;

    private static async Task WriteJsonAsync(HttpContext ctx, int status, Action<Utf8JsonWriter> write)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = JsonReply.JsonContentType;
        await using var w = new Utf8JsonWriter(ctx.Response.BodyWriter, JsonReply.WriterOptions);
        write(w);
        await w.FlushAsync();
    }

    private async Task WriteMessagesAsync(HttpContext ctx)
    {
        StoredMessage[] messages = _state.Messages.Snapshot();
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = JsonReply.JsonContentType;
        await using var w = new Utf8JsonWriter(ctx.Response.BodyWriter, JsonReply.WriterOptions);
        w.WriteStartArray();
        for (int i = 0; i < messages.Length; i++)
        {
            StoredMessage m = messages[i];
            w.WriteStartObject();
            w.WriteNumber("id", m.Id);
            w.WriteString("receivedAt", m.ReceivedAt.UtcDateTime);
            w.WriteString("org", m.Org);
            w.WriteString("channel", m.Channel);
            w.WriteString("event", m.Event);
            w.WriteString("content", m.Content);
            w.WriteStartArray("to");
            foreach (string to in m.To)
                w.WriteStringValue(to);
            w.WriteEndArray();
            w.WriteString("connectionId", m.ConnectionId);
            w.WriteString("user", m.User);
            w.WriteEndObject();
            if ((i & 1023) == 1023)
            {
                w.Flush();
                await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted);
            }
        }
        w.WriteEndArray();
        await w.FlushAsync();
    }

    private Task WriteStatsAsync(HttpContext ctx)
    {
        EmulatorStats s = _state.Stats;
        return WriteJsonAsync(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("passcode", s.Get(ArtEndpoint.Passcode));
            w.WriteNumber("token", s.Get(ArtEndpoint.Token));
            w.WriteNumber("refresh", s.Get(ArtEndpoint.Refresh));
            w.WriteNumber("newConnection", s.Get(ArtEndpoint.NewConnection));
            w.WriteNumber("push", s.Get(ArtEndpoint.Push));
            w.WriteNumber("pushAccepted", s.PushAccepted);
            w.WriteEndObject();
        });
    }

    private Task WriteSettingsAsync(HttpContext ctx)
    {
        RuntimeSettings s = _state.Settings;
        return WriteJsonAsync(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("tokenLifetimeSeconds", s.TokenLifetimeSeconds);
            w.WriteNumber("refreshTokenLifetimeSeconds", s.RefreshTokenLifetimeSeconds);
            w.WriteNumber("passcodeLifetimeSeconds", s.PasscodeLifetimeSeconds);
            w.WriteNumber("latencyMs", s.LatencyMs);
            w.WriteEndObject();
        });
    }

    private static async Task<JsonDocument?> ReadJsonAsync(HttpContext ctx)
    {
        try
        {
            return await JsonDocument.ParseAsync(ctx.Request.Body, default, ctx.RequestAborted);
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException or IOException)
        {
            return null;
        }
    }

    private static Task BadRequestAsync(HttpContext ctx, string message) =>
        JsonReply.WriteAsync(ctx, 400, JsonReply.Error(message));

    private async Task PutSettingsAsync(HttpContext ctx)
    {
        using JsonDocument? doc = await ReadJsonAsync(ctx);
        if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            await BadRequestAsync(ctx, "Invalid request body");
            return;
        }
        // Validate everything first, then apply.
        int? token = null, refresh = null, passcode = null, latency = null;
        foreach (JsonProperty p in doc.RootElement.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int v) || v < 0)
            {
                await BadRequestAsync(ctx, $"{p.Name} must be an integer >= 0");
                return;
            }
            switch (p.Name.ToLowerInvariant())
            {
                case "tokenlifetimeseconds": token = v; break;
                case "refreshtokenlifetimeseconds": refresh = v; break;
                case "passcodelifetimeseconds": passcode = v; break;
                case "latencyms": latency = v; break;
                default:
                    await BadRequestAsync(ctx, $"unknown setting '{p.Name}'");
                    return;
            }
        }
        RuntimeSettings s = _state.Settings;
        if (token is int t) s.TokenLifetimeSeconds = t;
        if (refresh is int r) s.RefreshTokenLifetimeSeconds = r;
        if (passcode is int pc) s.PasscodeLifetimeSeconds = pc;
        if (latency is int l) s.LatencyMs = l;
        await WriteSettingsAsync(ctx);
    }

    private Task WriteFaultsAsync(HttpContext ctx)
    {
        FaultRule[] rules = _state.Faults.Pending;
        return WriteJsonAsync(ctx, 200, w =>
        {
            w.WriteStartArray();
            foreach (FaultRule r in rules)
                r.WriteTo(w);
            w.WriteEndArray();
        });
    }

    private async Task AddFaultAsync(HttpContext ctx)
    {
        using JsonDocument? doc = await ReadJsonAsync(ctx);
        if (doc is null)
        {
            await BadRequestAsync(ctx, "Invalid request body");
            return;
        }
        FaultRule rule;
        try
        {
            rule = FaultRule.Parse(doc.RootElement);
        }
        catch (FormatException e)
        {
            await BadRequestAsync(ctx, e.Message);
            return;
        }
        _state.Faults.Add(rule);
        await WriteJsonAsync(ctx, 201, rule.WriteTo);
    }
}
