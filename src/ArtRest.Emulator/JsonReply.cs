using System;
using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace ArtRest.Emulator;

/// <summary>A response computed by an endpoint, written (or dropped, for reset-after) by the dispatcher.</summary>
public readonly record struct Reply(int Status, byte[] Body);

/// <summary>JSON bodies: constant ones cached as bytes, others built with a per-thread writer.</summary>
internal static class JsonReply
{
    public const string JsonContentType = "application/json";

    /// <summary>Readable output: apostrophes and non-ASCII text are not \u-escaped.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>A writer over a per-thread buffer. Use synchronously, then call <see cref="Finish"/>.</summary>
    public static Utf8JsonWriter Start()
    {
        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        Utf8JsonWriter? w = t_writer;
        if (w is null)
            t_writer = w = new Utf8JsonWriter(buffer, WriterOptions);
        else
            w.Reset(buffer);
        return w;
    }

    public static byte[] Finish(Utf8JsonWriter w)
    {
        w.Flush();
        return t_buffer!.WrittenSpan.ToArray();
    }

    /// <summary>{"error": text}. Uses its own buffer: it also runs in static initialisers.</summary>
    public static byte[] Error(string text)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("error", text);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static Reply Fail(int status, byte[] body) => new(status, body);

    /// <summary>The RBAC 403 body.</summary>
    public static Reply Rbac(string resource, string name, string action, string user, string reason)
    {
        Utf8JsonWriter w = Start();
        w.WriteStartObject();
        w.WriteNumber("status", 403);
        w.WriteString("error_code", "");
        w.WriteString("message", "[RBAC] Access forbidden");
        w.WriteStartArray("errors");
        w.WriteStartObject();
        w.WriteString("resource", resource);
        w.WriteString("name", name);
        w.WriteString("action", action);
        w.WriteString("user", user);
        w.WriteString("reason", reason);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        return new Reply(403, Finish(w));
    }

    /// <summary>Starts {"status":200,"data": ; the caller writes the data value then calls <see cref="EndEnvelope"/>.</summary>
    public static Utf8JsonWriter StartEnvelope()
    {
        Utf8JsonWriter w = Start();
        w.WriteStartObject();
        w.WriteNumber("status", 200);
        w.WritePropertyName("data");
        return w;
    }

    public static Reply EndEnvelope(Utf8JsonWriter w, string message)
    {
        w.WriteString("message", message);
        w.WriteEndObject();
        return new Reply(200, Finish(w));
    }

    public static Task WriteAsync(HttpContext ctx, int status, byte[] body, string contentType = JsonContentType)
    {
        HttpResponse r = ctx.Response;
        r.StatusCode = status;
        r.ContentType = contentType;
        r.ContentLength = body.Length;
        return body.Length == 0 ? Task.CompletedTask : r.Body.WriteAsync(body, 0, body.Length);
    }

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}

/// <summary>Cached error bodies.</summary>
internal static class Errors
{
    public static readonly byte[] MissingOrg = JsonReply.Error("Missing tenant or Org-Title");
    public static readonly byte[] MissingEnvironment = JsonReply.Error("Missing Environment");
    public static readonly byte[] MissingProjectKey = JsonReply.Error("Missing ProjectKey");
    public static readonly byte[] TenantNotFound = JsonReply.Error("Tenant not found");
    public static readonly byte[] ProjectNotFound = JsonReply.Error("Project not found");
    public static readonly byte[] MissingClientCredentials = JsonReply.Error("Missing client credentials");
    public static readonly byte[] InvalidToken = JsonReply.Error("Invalid token");
    public static readonly byte[] InvalidPasscode = JsonReply.Error("Invalid passcode");
    public static readonly byte[] InvalidBody = JsonReply.Error("Invalid request body");
    public static readonly byte[] UsernameRequired = JsonReply.Error("username is required");
    public static readonly byte[] RefreshTokenRequired = JsonReply.Error("refresh_token is required");
    public static readonly byte[] InvalidRefreshToken = JsonReply.Error("Invalid refresh token");
    public static readonly byte[] RefreshTokenExpired = JsonReply.Error("Refresh token expired");
    public static readonly byte[] MissingAuthentication = JsonReply.Error("Missing authentication");
    public static readonly byte[] TokenExpired = JsonReply.Error("Token expired");
    public static readonly byte[] ChannelRequired = JsonReply.Error("channel is required");
    public static readonly byte[] EventRequired = JsonReply.Error("event is required");
    public static readonly byte[] ContentRequired = JsonReply.Error("content is required");
    public static readonly byte[] ContentMustBeString = JsonReply.Error("content must be a string");
    public static readonly byte[] ToMustBeArray = JsonReply.Error("to must be an array of usernames");
    public static readonly byte[] ConnectionIdRequired = JsonReply.Error("connection_id is required");
    public static readonly byte[] ConnectionNotFound = JsonReply.Error("Connection not found");
    public static readonly byte[] MethodNotAllowed = JsonReply.Error("Method not allowed");
    public static readonly byte[] NotFound = JsonReply.Error("Not found");
    public static readonly byte[] InjectedFault = JsonReply.Error("Injected fault");
    public static readonly byte[] Forbidden = JsonReply.Error("The admin API answers loopback callers only");

    public static readonly byte[] PushOk =
        JsonReply.Utf8("{\"status\":200,\"data\":\"Message processed successfully\",\"message\":\"Message processed successfully\"}");
}
