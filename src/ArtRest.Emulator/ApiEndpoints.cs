using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace ArtRest.Emulator;

/// <summary>The five ART endpoints, with the fault injection and latency that wrap them.</summary>
public sealed class ApiEndpoints
{
    private const string PasscodeMessage = "Passcode generated";
    private const string TokenMessage = "Authenticated";
    private const string RefreshMessage = "Token refreshed";
    private const string ConnectionMessage = "Connection ID generated successfully";
    private const string PushMessage = "Message processed successfully";
    private const int HugeBodyBytes = 10 * 1024 * 1024;

    private static readonly byte[] s_truncated = JsonReply.Utf8("{\"status\":200,\"data\":{\"acc");
    private static readonly byte[] s_errorIn200 = JsonReply.Utf8("{\"status\":500,\"error\":\"Internal failure\"}");
    private static readonly byte[] s_hugeChunk = CreateHugeChunk();

    private readonly EmulatorState _state;
    private readonly CancellationToken _stopping;

    public ApiEndpoints(EmulatorState state, CancellationToken stopping)
    {
        _state = state;
        _stopping = stopping;
    }

    /// <summary>The endpoint for a path under /ws, or null.</summary>
    public static ArtEndpoint? Resolve(string relativePath) => relativePath switch
    {
        "/v1/push-message" => ArtEndpoint.Push,
        "/v1/connect/new-connection" => ArtEndpoint.NewConnection,
        "/auth/token" => ArtEndpoint.Token,
        "/auth/token/refresh" => ArtEndpoint.Refresh,
        "/v1/connect/passcode" => ArtEndpoint.Passcode,
        _ => null,
    };

    public async Task HandleAsync(HttpContext ctx, ArtEndpoint endpoint, string relativePath)
    {
        _state.Stats.Count(endpoint);
        try
        {
            int latency = _state.Settings.LatencyMs;
            if (latency > 0)
                await Task.Delay(latency, ctx.RequestAborted);

            FaultRule? fault = _state.Faults.TryHit(relativePath);
            if (fault is not null)
            {
                if (fault.LatencyMs > 0)
                    await Task.Delay(fault.LatencyMs, ctx.RequestAborted);
                if (await ApplyFaultAsync(ctx, endpoint, fault))
                    return;
            }

            Reply reply = HttpMethods.IsPost(ctx.Request.Method)
                ? await ProcessAsync(ctx, endpoint)
                : new Reply(StatusCodes.Status405MethodNotAllowed, Errors.MethodNotAllowed);

            if (fault is { Kind: FaultKind.ResetAfter })
            {
                // Processed (a push is recorded); nothing was written or flushed: drop the connection.
                ctx.Abort();
                return;
            }
            await JsonReply.WriteAsync(ctx, reply.Status, reply.Body);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    // ---------------------------------------------------------------- faults

    /// <summary>Applies a fault; true when the request is fully handled by it.</summary>
    private async Task<bool> ApplyFaultAsync(HttpContext ctx, ArtEndpoint endpoint, FaultRule fault)
    {
        switch (fault.Kind)
        {
            case FaultKind.Delay:
            case FaultKind.ResetAfter:
                return false;
            case FaultKind.ResetBefore:
                ctx.Abort();
                return true;
            case FaultKind.Hang:
                using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _stopping))
                {
                    try
                    {
                        await Task.Delay(Timeout.Infinite, cts.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
                ctx.Abort();
                return true;
        }

        int status = fault.EffectiveStatus;
        if (fault.RetryAfter is not null)
            ctx.Response.Headers.RetryAfter = fault.RetryAfter;
        string contentType = fault.ContentType ?? JsonReply.JsonContentType;
        byte[] body;
        switch (fault.Kind)
        {
            case FaultKind.Status:
                body = fault.Body is null ? Errors.InjectedFault : JsonReply.Utf8(fault.Body);
                break;
            case FaultKind.Html:
                contentType = fault.ContentType ?? "text/html; charset=utf-8";
                body = JsonReply.Utf8(fault.Body ?? HtmlPage(status));
                break;
            case FaultKind.Empty:
                body = Array.Empty<byte>();
                break;
            case FaultKind.Truncated:
                body = s_truncated;
                break;
            case FaultKind.NoData:
            {
                Utf8JsonWriter w = JsonReply.Start();
                w.WriteStartObject();
                w.WriteNumber("status", 200);
                w.WriteString("message", MessageOf(endpoint));
                w.WriteEndObject();
                body = JsonReply.Finish(w);
                break;
            }
            case FaultKind.WrongData:
            {
                Utf8JsonWriter w = JsonReply.StartEnvelope();
                if (endpoint == ArtEndpoint.Push)
                {
                    // A string is expected: send an object.
                    w.WriteStartObject();
                    w.WriteBoolean("unexpected", true);
                    w.WriteEndObject();
                }
                else
                {
                    // An object is expected: send a number.
                    w.WriteNumberValue(12345);
                }
                body = JsonReply.EndEnvelope(w, MessageOf(endpoint)).Body;
                break;
            }
            case FaultKind.ErrorIn200:
                body = s_errorIn200;
                break;
            case FaultKind.Huge:
                await WriteHugeAsync(ctx, status, contentType);
                return true;
            default:
                body = Errors.InjectedFault;
                break;
        }
        await JsonReply.WriteAsync(ctx, status, body, contentType);
        return true;
    }

    private static string HtmlPage(int status)
    {
        string title = status + " " + ReasonPhrases.GetReasonPhrase(status);
        return "<!DOCTYPE html>\n<html>\n<head><title>" + title + "</title></head>\n<body>\n<center><h1>" + title +
               "</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n";
    }

    private static byte[] CreateHugeChunk()
    {
        var chunk = new byte[64 * 1024];
        chunk.AsSpan().Fill((byte)'x');
        return chunk;
    }

    /// <summary>A 10 MB JSON envelope, streamed without Content-Length.</summary>
    private static async Task WriteHugeAsync(HttpContext ctx, int status, string contentType)
    {
        ReadOnlyMemory<byte> prefix = JsonReply.Utf8("{\"status\":200,\"data\":\"");
        ReadOnlyMemory<byte> suffix = JsonReply.Utf8("\",\"message\":\"huge\"}");
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        Stream body = ctx.Response.Body;
        CancellationToken ct = ctx.RequestAborted;
        await body.WriteAsync(prefix, ct);
        int remaining = HugeBodyBytes - prefix.Length - suffix.Length;
        while (remaining > 0 && !ct.IsCancellationRequested)
        {
            int n = Math.Min(remaining, s_hugeChunk.Length);
            await body.WriteAsync(s_hugeChunk.AsMemory(0, n), ct);
            remaining -= n;
        }
        await body.WriteAsync(suffix, ct);
    }

    private static string MessageOf(ArtEndpoint e) => e switch
    {
        ArtEndpoint.Passcode => PasscodeMessage,
        ArtEndpoint.Token => TokenMessage,
        ArtEndpoint.Refresh => RefreshMessage,
        ArtEndpoint.NewConnection => ConnectionMessage,
        _ => PushMessage,
    };

    // ---------------------------------------------------------------- request processing

    private ValueTask<Reply> ProcessAsync(HttpContext ctx, ArtEndpoint endpoint)
    {
        IHeaderDictionary h = ctx.Request.Headers;
        string? org = Header(h, "X-Org");
        if (org is null)
            return Fail(400, Errors.MissingOrg);
        string? env = Header(h, "Environment");
        if (env is null)
            return Fail(400, Errors.MissingEnvironment);
        string? project = Header(h, "ProjectKey");
        if (project is null)
            return Fail(400, Errors.MissingProjectKey);
        switch (_state.Tenants.Find(org, env, project, out Tenant? tenant))
        {
            case TenantLookup.TenantNotFound: return Fail(404, Errors.TenantNotFound);
            case TenantLookup.ProjectNotFound: return Fail(404, Errors.ProjectNotFound);
        }
        return endpoint switch
        {
            ArtEndpoint.Passcode => PasscodeAsync(ctx, tenant!),
            ArtEndpoint.Token => TokenAsync(ctx, tenant!),
            ArtEndpoint.Refresh => RefreshAsync(ctx, tenant!),
            ArtEndpoint.NewConnection => NewConnectionAsync(ctx, tenant!),
            _ => PushAsync(ctx, tenant!),
        };
    }

    private static ValueTask<Reply> Fail(int status, byte[] body) => new(new Reply(status, body));

    private static string? Header(IHeaderDictionary headers, string name)
    {
        StringValues v = headers[name];
        if (v.Count == 0)
            return null;
        string? s = v[0];
        return string.IsNullOrWhiteSpace(s) ? null : s;
    }

    private static string? GetString(JsonElement obj, ReadOnlySpan<byte> name) =>
        obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? GetNonBlank(JsonElement obj, ReadOnlySpan<byte> name)
    {
        string? s = GetString(obj, name);
        return string.IsNullOrWhiteSpace(s) ? null : s;
    }

    /// <summary>The request body parsed in place (no copy). Dispose releases the document, then the pipe buffer.</summary>
    private readonly struct Body : IDisposable
    {
        private readonly PipeReader? _reader;
        private readonly SequencePosition _end;

        public Body(JsonDocument? doc, bool empty, PipeReader? reader, SequencePosition end)
        {
            Doc = doc;
            Empty = empty;
            _reader = reader;
            _end = end;
        }

        /// <summary>The body when it is a JSON object; null when it is empty or not a JSON object.</summary>
        public JsonDocument? Doc { get; }

        /// <summary>The body has no bytes.</summary>
        public bool Empty { get; }

        public void Dispose()
        {
            // The document may point into the pipe's buffer: dispose it before handing the buffer back.
            Doc?.Dispose();
            _reader?.AdvanceTo(_end);
        }
    }

    private static async ValueTask<Body> ReadBodyAsync(HttpContext ctx)
    {
        PipeReader reader = ctx.Request.BodyReader;
        while (true)
        {
            ReadResult r;
            try
            {
                r = await reader.ReadAsync(ctx.RequestAborted);
            }
            catch (BadHttpRequestException)
            {
                return new Body(null, false, null, default);
            }
            ReadOnlySequence<byte> buffer = r.Buffer;
            if (!r.IsCompleted && !r.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            if (buffer.IsEmpty)
                return new Body(null, true, reader, buffer.End);
            JsonDocument? doc = null;
            try
            {
                doc = JsonDocument.Parse(buffer);
            }
            catch (JsonException)
            {
            }
            if (doc is not null && doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                doc.Dispose();
                doc = null;
            }
            return new Body(doc, false, reader, buffer.End);
        }
    }

    private static Reply RbacUserDenied(string username) =>
        JsonReply.Rbac("user", username, "authenticate", username, $"user '{username}' may not sign in to this project");

    private async ValueTask<Reply> PasscodeAsync(HttpContext ctx, Tenant tenant)
    {
        IHeaderDictionary h = ctx.Request.Headers;
        string? clientId = Header(h, "Client-Id");
        string? secret = Header(h, "Client-Secret");
        if (clientId is null || secret is null)
            return new Reply(401, Errors.MissingClientCredentials);
        if (!string.Equals(clientId, tenant.ClientId, StringComparison.Ordinal)
            || !string.Equals(secret, tenant.ClientSecret, StringComparison.Ordinal))
            return new Reply(401, Errors.InvalidToken);

        using Body body = await ReadBodyAsync(ctx);
        if (body.Doc is not JsonDocument doc)
            return new Reply(400, Errors.InvalidBody);
        string? username = GetNonBlank(doc.RootElement, "username"u8);
        if (username is null)
            return new Reply(400, Errors.UsernameRequired);
        if (!tenant.IsUserAllowed(username))
            return RbacUserDenied(username);
        string passcode = _state.Tokens.IssuePasscode(tenant, username);
        Utf8JsonWriter w = JsonReply.StartEnvelope();
        w.WriteStartObject();
        w.WriteString("passcode", passcode);
        w.WriteString("username", username);
        w.WriteEndObject();
        return JsonReply.EndEnvelope(w, PasscodeMessage);
    }

    private async ValueTask<Reply> TokenAsync(HttpContext ctx, Tenant tenant)
    {
        IHeaderDictionary h = ctx.Request.Headers;
        string? clientId = Header(h, "Client-Id");
        string? secret = Header(h, "Client-Secret");
        string? tpass = Header(h, "T-pass");
        if (secret is not null)
        {
            if (clientId is null)
                return new Reply(401, Errors.MissingClientCredentials);
            if (!string.Equals(clientId, tenant.ClientId, StringComparison.Ordinal)
                || !string.Equals(secret, tenant.ClientSecret, StringComparison.Ordinal))
                return new Reply(401, Errors.InvalidToken);
        }
        else if (tpass is null)
        {
            return new Reply(401, Errors.MissingClientCredentials);
        }
        else if (clientId is not null && !string.Equals(clientId, tenant.ClientId, StringComparison.Ordinal))
        {
            return new Reply(401, Errors.InvalidToken);
        }

        PasscodeEntry? passcode = null;
        if (tpass is not null)
        {
            passcode = _state.Tokens.ValidatePasscode(tenant, tpass);
            if (passcode is null)
                return new Reply(401, Errors.InvalidPasscode);
        }

        using Body request = await ReadBodyAsync(ctx);
        if (request.Doc is not JsonDocument doc)
            return new Reply(400, Errors.InvalidBody);
        JsonElement body = doc.RootElement;
        string? username = GetNonBlank(body, "username"u8);
        if (passcode is not null)
        {
            if (username is not null && !string.Equals(username, passcode.Username, StringComparison.Ordinal))
                return new Reply(401, Errors.InvalidPasscode);
            username = passcode.Username;
        }
        else if (username is null)
        {
            return new Reply(400, Errors.UsernameRequired);
        }
        if (!tenant.IsUserAllowed(username))
            return RbacUserDenied(username);

        IssuedTokens tokens = _state.Tokens.IssueTokens(tenant, username,
            GetString(body, "first_name"u8), GetString(body, "last_name"u8));
        return TokensReply(tokens, TokenMessage);
    }

    private static Reply TokensReply(IssuedTokens tokens, string message)
    {
        Utf8JsonWriter w = JsonReply.StartEnvelope();
        w.WriteStartObject();
        w.WriteString("access_token", tokens.AccessToken);
        w.WriteString("refresh_token", tokens.RefreshToken);
        w.WriteString("username", tokens.Username);
        w.WriteEndObject();
        return JsonReply.EndEnvelope(w, message);
    }

    private async ValueTask<Reply> RefreshAsync(HttpContext ctx, Tenant tenant)
    {
        string? clientId = Header(ctx.Request.Headers, "Client-Id");
        if (clientId is not null && !string.Equals(clientId, tenant.ClientId, StringComparison.Ordinal))
            return new Reply(401, Errors.InvalidToken);

        string? refreshToken;
        using (Body body = await ReadBodyAsync(ctx))
        {
            if (body.Doc is not JsonDocument doc)
                return new Reply(400, Errors.InvalidBody);
            refreshToken = GetNonBlank(doc.RootElement, "refresh_token"u8);
        }
        if (refreshToken is null)
            return new Reply(400, Errors.RefreshTokenRequired);
        return _state.Tokens.Refresh(tenant, refreshToken, out IssuedTokens tokens) switch
        {
            RefreshOutcome.Refreshed => TokensReply(tokens, RefreshMessage),
            RefreshOutcome.Expired => new Reply(401, Errors.RefreshTokenExpired),
            _ => new Reply(401, Errors.InvalidRefreshToken),
        };
    }

    /// <summary>Checks the bearer token; null when valid (user set), else the error reply.</summary>
    private Reply? Authenticate(HttpContext ctx, Tenant tenant, out string user)
    {
        user = "";
        string? auth = Header(ctx.Request.Headers, "Authorization");
        if (auth is null)
            return new Reply(401, Errors.MissingAuthentication);
        ReadOnlySpan<char> a = auth.AsSpan().Trim();
        if (!a.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase))
            return new Reply(401, Errors.InvalidToken);
        ReadOnlySpan<char> token = a.Slice(6);
        if (token.Length > 0 && token[0] != ' ')
            return new Reply(401, Errors.InvalidToken);
        token = token.Trim();
        if (token.IsEmpty)
            return new Reply(401, Errors.MissingAuthentication);
        return _state.Tokens.ValidateAccessToken(tenant, token, out user) switch
        {
            TokenCheck.Valid => null,
            TokenCheck.Expired => new Reply(401, Errors.TokenExpired),
            _ => new Reply(401, Errors.InvalidToken),
        };
    }

    private async ValueTask<Reply> NewConnectionAsync(HttpContext ctx, Tenant tenant)
    {
        if (Authenticate(ctx, tenant, out string user) is Reply denied)
            return denied;
        using (Body body = await ReadBodyAsync(ctx))
        {
            if (body.Doc is null && !body.Empty)
                return new Reply(400, Errors.InvalidBody);
        }

        Span<byte> random = stackalloc byte[12];
        RandomNumberGenerator.Fill(random);
        string id = "conn_" + Convert.ToHexStringLower(random);
        _state.Connections[id] = new ConnectionEntry(tenant, user);

        Utf8JsonWriter w = JsonReply.StartEnvelope();
        w.WriteStartObject();
        w.WriteString("connection_id", id);
        w.WriteEndObject();
        return JsonReply.EndEnvelope(w, ConnectionMessage);
    }

    private async ValueTask<Reply> PushAsync(HttpContext ctx, Tenant tenant)
    {
        if (Authenticate(ctx, tenant, out string user) is Reply denied)
            return denied;
        using Body request = await ReadBodyAsync(ctx);
        if (request.Doc is not JsonDocument doc)
            return new Reply(400, Errors.InvalidBody);
        JsonElement body = doc.RootElement;
        string? channel = GetNonBlank(body, "channel"u8);
        if (channel is null)
            return new Reply(400, Errors.ChannelRequired);
        string? evt = GetNonBlank(body, "event"u8);
        if (evt is null)
            return new Reply(400, Errors.EventRequired);
        if (!body.TryGetProperty("content"u8, out JsonElement contentElement)
            || contentElement.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            return new Reply(400, Errors.ContentRequired);
        if (contentElement.ValueKind != JsonValueKind.String)
            return new Reply(400, Errors.ContentMustBeString);
        string[] to = Array.Empty<string>();
        if (body.TryGetProperty("to"u8, out JsonElement toElement) && toElement.ValueKind != JsonValueKind.Null)
        {
            if (toElement.ValueKind != JsonValueKind.Array)
                return new Reply(400, Errors.ToMustBeArray);
            int n = toElement.GetArrayLength();
            if (n > 0)
            {
                to = new string[n];
                int i = 0;
                foreach (JsonElement item in toElement.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                        return new Reply(400, Errors.ToMustBeArray);
                    to[i++] = item.GetString()!;
                }
            }
        }
        string? connectionId = GetNonBlank(body, "connection_id"u8);
        if (connectionId is null)
            return new Reply(400, Errors.ConnectionIdRequired);
        if (!_state.Connections.TryGetValue(connectionId, out ConnectionEntry? conn)
            || !ReferenceEquals(conn.Tenant, tenant)
            || !string.Equals(conn.Username, user, StringComparison.Ordinal))
            return new Reply(404, Errors.ConnectionNotFound);
        if (!tenant.CanPush(channel, user))
            return JsonReply.Rbac("channel", channel, "push", user,
                $"user '{user}' may not push to channel '{channel}'");

        _state.Messages.Add(_state.Time.GetUtcNow(), tenant.Org, channel, evt, contentElement.GetString()!, to,
            connectionId, user);
        _state.Stats.CountAccepted();
        return new Reply(200, Errors.PushOk);
    }
}
