using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace ArtRest.Tests.Emulator;

/// <summary>Connections, push validation, RBAC, the message store and the counters.</summary>
public sealed class PushTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _f;

    public PushTests(EmulatorFixture f) => _f = f;

    [Fact]
    public async Task NewConnection_ReturnsUniqueIds_BodyOptional()
    {
        (string token, _) = await _f.SignInAsync("ann");
        string a = await _f.ConnectAsync(token);
        ArtResponse r = await _f.PostAsync("/v1/connect/new-connection", null, EmulatorFixture.WithBearer(token));
        r.AssertOk("Connection ID generated successfully");
        string b = r.Data.GetProperty("connection_id").GetString()!;
        Assert.Matches("^conn_[0-9a-f]{24}$", a);
        Assert.NotEqual(a, b);
        (await _f.PostAsync("/v1/connect/new-connection", "[1]", EmulatorFixture.WithBearer(token)))
            .AssertError(400, "Invalid request body");
    }

    [Fact]
    public async Task Push_Succeeds_WithTheDocumentedEnvelope()
    {
        (string token, string conn) = await _f.SessionAsync("ben");
        ArtResponse r = await _f.PushAsync(token, EmulatorFixture.PushBody(conn, to: new[] { "u1", "u2" }));
        r.AssertOk("Message processed successfully");
        Assert.Equal("Message processed successfully", r.Data.GetString());
        Assert.Equal("application/json", r.ContentType);
    }

    public static TheoryData<string, string> InvalidPushes => new()
    {
        { "{\"event\":\"e\",\"content\":\"c\",\"connection_id\":\"CONN\"}", "channel is required" },
        { "{\"channel\":\" \",\"event\":\"e\",\"content\":\"c\",\"connection_id\":\"CONN\"}", "channel is required" },
        { "{\"channel\":7,\"event\":\"e\",\"content\":\"c\",\"connection_id\":\"CONN\"}", "channel is required" },
        { "{\"channel\":\"ch\",\"content\":\"c\",\"connection_id\":\"CONN\"}", "event is required" },
        { "{\"channel\":\"ch\",\"event\":\"\",\"content\":\"c\",\"connection_id\":\"CONN\"}", "event is required" },
        { "{\"channel\":\"ch\",\"event\":\"e\",\"connection_id\":\"CONN\"}", "content is required" },
        { "{\"channel\":\"ch\",\"event\":\"e\",\"content\":{\"a\":1},\"connection_id\":\"CONN\"}", "content must be a string" },
        { "{\"channel\":\"ch\",\"event\":\"e\",\"content\":42,\"connection_id\":\"CONN\"}", "content must be a string" },
        { "{\"channel\":\"ch\",\"event\":\"e\",\"content\":\"c\",\"to\":\"bob\",\"connection_id\":\"CONN\"}", "to must be an array of usernames" },
        { "{\"channel\":\"ch\",\"event\":\"e\",\"content\":\"c\",\"to\":[\"a\",1],\"connection_id\":\"CONN\"}", "to must be an array of usernames" },
        { "{\"channel\":\"ch\",\"event\":\"e\",\"content\":\"c\"}", "connection_id is required" },
        { "not json", "Invalid request body" },
        { "", "Invalid request body" },
    };

    [Theory]
    [MemberData(nameof(InvalidPushes))]
    public async Task Push_Validation_Is400(string body, string error)
    {
        (string token, string conn) = await _f.SessionAsync("cleo");
        (await _f.PushAsync(token, body.Replace("CONN", conn))).AssertError(400, error);
    }

    [Fact]
    public async Task Push_EmptyContentAndNullTo_AreAccepted()
    {
        (string token, string conn) = await _f.SessionAsync("cleo");
        (await _f.PushAsync(token, $"{{\"channel\":\"ch\",\"event\":\"e\",\"content\":\"\",\"to\":null,\"connection_id\":\"{conn}\"}}"))
            .AssertOk("Message processed successfully");
    }

    [Fact]
    public async Task Push_UnknownOrForeignConnection_Is404()
    {
        (string dan, string danConn) = await _f.SessionAsync("dan");
        (string eve, _) = await _f.SessionAsync("eve");
        (await _f.PushAsync(dan, EmulatorFixture.PushBody("conn_000000000000000000000000"))).AssertError(404, "Connection not found");
        // Eve may not use Dan's connection.
        (await _f.PushAsync(eve, EmulatorFixture.PushBody(danConn))).AssertError(404, "Connection not found");
        // A connection of another project of the same org is not found either.
        Dictionary<string, string> prod = EmulatorFixture.Tenant("demo-org", "prod");
        (string prodToken, _) = await _f.SignInAsync("dan", EmulatorFixture.WithSecret(EmulatorFixture.Tenant("demo-org", "prod"), "prod-client-id", "prod-client-secret"));
        (await _f.PostAsync("/v1/push-message", EmulatorFixture.PushBody(danConn), EmulatorFixture.WithBearer(prodToken, prod)))
            .AssertError(404, "Connection not found");
        (await _f.PushAsync(dan, EmulatorFixture.PushBody(danConn))).AssertOk("Message processed successfully");
    }

    [Fact]
    public async Task Push_Restricted_IsRbacDenied_WithTheExactBody()
    {
        (string token, string conn) = await _f.SessionAsync("fred");
        ArtResponse r = await _f.PushAsync(token, EmulatorFixture.PushBody(conn, channel: "restricted"));
        Assert.Equal(403, r.Status);
        const string expected =
            "{\"status\":403,\"error_code\":\"\",\"message\":\"[RBAC] Access forbidden\",\"errors\":[{\"resource\":\"channel\"," +
            "\"name\":\"restricted\",\"action\":\"push\",\"user\":\"fred\",\"reason\":\"user 'fred' may not push to channel 'restricted'\"}]}";
        Assert.Equal(expected, r.Text);

        // Only exact names: "restricted-2" is open; admin may push to "restricted".
        (await _f.PushAsync(token, EmulatorFixture.PushBody(conn, channel: "restricted-2"))).AssertOk("Message processed successfully");
        (string admin, string adminConn) = await _f.SessionAsync("admin");
        (await _f.PushAsync(admin, EmulatorFixture.PushBody(adminConn, channel: "restricted"))).AssertOk("Message processed successfully");
    }

    [Fact]
    public async Task Push_PrefixRule_AppliesToMatchingChannels()
    {
        Dictionary<string, string> acme = EmulatorFixture.Tenant("acme", "test", "rockets");
        Dictionary<string, string> secret = EmulatorFixture.WithSecret(EmulatorFixture.Tenant("acme", "test", "rockets"), "acme-id", "acme-secret");
        (string alice, _) = await _f.SignInAsync("alice", secret);
        (string bob, _) = await _f.SignInAsync("bob", secret);
        string aliceConn = await _f.ConnectAsync(alice, acme);
        string bobConn = await _f.ConnectAsync(bob, EmulatorFixture.Tenant("acme", "test", "rockets"));

        ArtResponse denied = await _f.PostAsync("/v1/push-message", EmulatorFixture.PushBody(bobConn, channel: "ops.alerts"),
            EmulatorFixture.WithBearer(bob, EmulatorFixture.Tenant("acme", "test", "rockets")));
        Assert.Equal(403, denied.Status);
        JsonElement item = Assert.Single(denied.Root.GetProperty("errors").EnumerateArray());
        Assert.Equal("ops.alerts", item.GetProperty("name").GetString());
        Assert.Equal("bob", item.GetProperty("user").GetString());

        (await _f.PostAsync("/v1/push-message", EmulatorFixture.PushBody(aliceConn, channel: "ops.alerts"),
            EmulatorFixture.WithBearer(alice, EmulatorFixture.Tenant("acme", "test", "rockets")))).AssertOk("Message processed successfully");
        (await _f.PostAsync("/v1/push-message", EmulatorFixture.PushBody(bobConn, channel: "general"),
            EmulatorFixture.WithBearer(bob, EmulatorFixture.Tenant("acme", "test", "rockets")))).AssertOk("Message processed successfully");
    }

    [Fact]
    public async Task MessagesAndStats_RecordWhatHappened()
    {
        await _f.ResetAsync();
        (string token, string conn) = await _f.SessionAsync("gina");
        (await _f.PushAsync(token, EmulatorFixture.PushBody(conn, "room-1", "chat", "{\"text\":\"héllo\"}", new[] { "x", "y" })))
            .AssertOk("Message processed successfully");
        (await _f.PushAsync(token, EmulatorFixture.PushBody(conn, "room-2", "ping", "second"))).AssertOk("Message processed successfully");
        (await _f.PushAsync(token, EmulatorFixture.PushBody(conn, "restricted"))).Message.Dispose(); // denied: not stored
        (await _f.PushAsync(token, "{}")).Message.Dispose();                                       // invalid: not stored
        (await _f.PostAsync("/v1/connect/passcode", EmulatorFixture.UserBody("gina"), EmulatorFixture.WithSecret())).Message.Dispose();
        (await _f.PostAsync("/auth/token/refresh", "{}", EmulatorFixture.Tenant())).Message.Dispose();

        JsonElement[] messages = await _f.MessagesAsync();
        Assert.Equal(2, messages.Length);
        JsonElement m = messages[0];
        Assert.Equal(1, m.GetProperty("id").GetInt64());
        Assert.Equal("demo-org", m.GetProperty("org").GetString());
        Assert.Equal("room-1", m.GetProperty("channel").GetString());
        Assert.Equal("chat", m.GetProperty("event").GetString());
        Assert.Equal("{\"text\":\"héllo\"}", m.GetProperty("content").GetString());
        Assert.Equal(new[] { "x", "y" }, m.GetProperty("to").EnumerateArray().Select(e => e.GetString()).ToArray());
        Assert.Equal(conn, m.GetProperty("connectionId").GetString());
        Assert.Equal("gina", m.GetProperty("user").GetString());
        DateTimeOffset at = m.GetProperty("receivedAt").GetDateTimeOffset();
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(2, messages[1].GetProperty("id").GetInt64());
        Assert.Equal(JsonValueKind.Array, messages[1].GetProperty("to").ValueKind);
        Assert.Equal(0, messages[1].GetProperty("to").GetArrayLength());

        JsonElement stats = await _f.StatsAsync();
        Assert.Equal(1, stats.GetProperty("passcode").GetInt64());
        Assert.Equal(1, stats.GetProperty("token").GetInt64());
        Assert.Equal(1, stats.GetProperty("refresh").GetInt64());
        Assert.Equal(1, stats.GetProperty("newConnection").GetInt64());
        Assert.Equal(4, stats.GetProperty("push").GetInt64());
        Assert.Equal(2, stats.GetProperty("pushAccepted").GetInt64());

        Assert.Equal(204, (await _f.AdminAsync(HttpMethod.Delete, "/messages")).Status);
        Assert.Empty(await _f.MessagesAsync());
        Assert.Equal(204, (await _f.AdminAsync(HttpMethod.Delete, "/stats")).Status);
        JsonElement zero = await _f.StatsAsync();
        foreach (JsonProperty p in zero.EnumerateObject())
            Assert.Equal(0, p.Value.GetInt64());

        // Ids restart after a clear.
        (await _f.PushAsync(token, EmulatorFixture.PushBody(conn))).AssertOk("Message processed successfully");
        Assert.Equal(1, Assert.Single(await _f.MessagesAsync()).GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task ConcurrentPushes_AreAllStoredWithDistinctOrderedIds()
    {
        await _f.ResetAsync();
        (string token, string conn) = await _f.SessionAsync("hank");
        const int n = 200;
        var tasks = new Task<ArtResponse>[n];
        for (int i = 0; i < n; i++)
            tasks[i] = _f.PushAsync(token, EmulatorFixture.PushBody(conn, content: "m" + i));
        foreach (ArtResponse r in await Task.WhenAll(tasks))
            r.AssertOk("Message processed successfully");
        JsonElement[] messages = await _f.MessagesAsync();
        Assert.Equal(n, messages.Length);
        Assert.Equal(Enumerable.Range(1, n).Select(i => (long)i), messages.Select(m => m.GetProperty("id").GetInt64()));
        Assert.Equal(n, messages.Select(m => m.GetProperty("content").GetString()).Distinct().Count());
        Assert.Equal(n, (await _f.StatsAsync()).GetProperty("pushAccepted").GetInt64());
    }
}
