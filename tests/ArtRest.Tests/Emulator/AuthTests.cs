using System;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace ArtRest.Tests.Emulator;

/// <summary>Passcodes, sign-in, refresh and the JWT.</summary>
public sealed class AuthTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _f;

    public AuthTests(EmulatorFixture f) => _f = f;

    private static Dictionary<string, string> Secret() => EmulatorFixture.WithSecret();

    private async Task<string> PasscodeAsync(string user)
    {
        ArtResponse r = await _f.PostAsync("/v1/connect/passcode", EmulatorFixture.UserBody(user), Secret());
        r.AssertOk("Passcode generated");
        return r.Data.GetProperty("passcode").GetString()!;
    }

    private static Dictionary<string, string> TPass(string passcode, string? clientId = null)
    {
        Dictionary<string, string> h = EmulatorFixture.Tenant();
        h["T-pass"] = passcode;
        if (clientId is not null)
            h["Client-Id"] = clientId;
        return h;
    }

    // ---------------------------------------------------------------- passcode

    [Fact]
    public async Task Passcode_ReturnsPasscodeAndUsername()
    {
        ArtResponse r = await _f.PostAsync("/v1/connect/passcode", EmulatorFixture.UserBody("dave"), Secret());
        r.AssertOk("Passcode generated");
        Assert.True(r.Data.GetProperty("passcode").GetString()!.Length >= 24);
        Assert.Equal("dave", r.Data.GetProperty("username").GetString());
    }

    [Theory]
    [InlineData("Client-Id")]
    [InlineData("Client-Secret")]
    public async Task Passcode_MissingCredential_Is401(string header)
    {
        Dictionary<string, string> h = Secret();
        h.Remove(header);
        (await _f.PostAsync("/v1/connect/passcode", EmulatorFixture.UserBody("dave"), h))
            .AssertError(401, "Missing client credentials");
    }

    [Theory]
    [InlineData("wrong-id", "demo-client-secret")]
    [InlineData("demo-client-id", "wrong-secret")]
    [InlineData("prod-client-id", "prod-client-secret")] // another project's credentials
    public async Task Passcode_WrongCredentials_Is401InvalidToken(string id, string secret)
    {
        (await _f.PostAsync("/v1/connect/passcode", EmulatorFixture.UserBody("dave"),
            EmulatorFixture.WithSecret(null, id, secret))).AssertError(401, "Invalid token");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"username\":\"  \"}")]
    [InlineData("{\"username\":42}")]
    public async Task Passcode_NoUsername_Is400(string body)
    {
        (await _f.PostAsync("/v1/connect/passcode", body, Secret())).AssertError(400, "username is required");
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("")]
    [InlineData("{\"username\":")]
    public async Task Passcode_InvalidBody_Is400(string body)
    {
        (await _f.PostAsync("/v1/connect/passcode", body, Secret())).AssertError(400, "Invalid request body");
    }

    [Fact]
    public async Task Passcode_CredentialsCheckedBeforeBody()
    {
        (await _f.PostAsync("/v1/connect/passcode", "not json", EmulatorFixture.WithSecret(null, "x", "y")))
            .AssertError(401, "Invalid token");
    }

    [Fact]
    public async Task UsersList_DeniesOtherUsersWithRbacBody()
    {
        Dictionary<string, string> h = EmulatorFixture.WithSecret(EmulatorFixture.Tenant("acme", "test", "rockets"), "acme-id", "acme-secret");
        (await _f.PostAsync("/v1/connect/passcode", EmulatorFixture.UserBody("alice"), h)).AssertOk("Passcode generated");
        (await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("bob"), h)).AssertOk("Authenticated");

        foreach (string path in new[] { "/v1/connect/passcode", "/auth/token" })
        {
            ArtResponse r = await _f.PostAsync(path, EmulatorFixture.UserBody("mallory"), h);
            Assert.Equal(403, r.Status);
            Assert.Equal(403, r.Root.GetProperty("status").GetInt32());
            Assert.Equal("", r.Root.GetProperty("error_code").GetString());
            Assert.Equal("[RBAC] Access forbidden", r.Root.GetProperty("message").GetString());
            JsonElement item = Assert.Single(r.Root.GetProperty("errors").EnumerateArray());
            Assert.Equal("mallory", item.GetProperty("user").GetString());
        }
    }

    // ---------------------------------------------------------------- token

    [Fact]
    public async Task Token_WithSecret_ReturnsTokens()
    {
        ArtResponse r = await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("erin"), Secret());
        r.AssertOk("Authenticated");
        Assert.Equal("erin", r.Data.GetProperty("username").GetString());
        Assert.Equal(3, r.Data.GetProperty("access_token").GetString()!.Split('.').Length);
        string refresh = r.Data.GetProperty("refresh_token").GetString()!;
        int dot = refresh.IndexOf('.');
        Assert.True(dot > 0);
        long expiry = long.Parse(refresh.Substring(dot + 1), System.Globalization.CultureInfo.InvariantCulture);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(expiry, now + 86400 - 60, now + 86400 + 60);
    }

    [Fact]
    public async Task Token_NoSecretNoPasscode_Is401Missing()
    {
        Dictionary<string, string> h = EmulatorFixture.Tenant();
        h["Client-Id"] = "demo-client-id";
        (await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("erin"), h)).AssertError(401, "Missing client credentials");
        (await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("erin"), EmulatorFixture.Tenant()))
            .AssertError(401, "Missing client credentials");
    }

    [Fact]
    public async Task Token_SecretWithoutClientId_Is401Missing()
    {
        Dictionary<string, string> h = Secret();
        h.Remove("Client-Id");
        (await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("erin"), h)).AssertError(401, "Missing client credentials");
    }

    [Theory]
    [InlineData("wrong-id", "demo-client-secret")]
    [InlineData("demo-client-id", "wrong-secret")]
    public async Task Token_WrongCredentials_Is401InvalidToken(string id, string secret)
    {
        (await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("erin"), EmulatorFixture.WithSecret(null, id, secret)))
            .AssertError(401, "Invalid token");
    }

    [Fact]
    public async Task Token_NoUsername_Is400()
    {
        (await _f.PostAsync("/auth/token", "{\"first_name\":\"x\"}", Secret())).AssertError(400, "username is required");
        (await _f.PostAsync("/auth/token", "nope", Secret())).AssertError(400, "Invalid request body");
    }

    [Fact]
    public async Task Token_WithTPassOnly_SignsInThePasscodeUser()
    {
        string passcode = await PasscodeAsync("frank");
        // No body username: the passcode supplies it.
        ArtResponse r = await _f.PostAsync("/auth/token", "{}", TPass(passcode));
        r.AssertOk("Authenticated");
        Assert.Equal("frank", r.Data.GetProperty("username").GetString());
        // The passcode is reusable until it expires; same username, and with the Client-Id, works too.
        (await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("frank"), TPass(passcode, "demo-client-id")))
            .AssertOk("Authenticated");
        // The token works.
        await _f.ConnectAsync(r.Data.GetProperty("access_token").GetString()!);
    }

    [Fact]
    public async Task Token_TPassWithOtherUsername_Is401InvalidPasscode()
    {
        string passcode = await PasscodeAsync("grace");
        (await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("heidi"), TPass(passcode)))
            .AssertError(401, "Invalid passcode");
    }

    [Fact]
    public async Task Token_UnknownTPass_Is401InvalidPasscode_EvenWithValidSecret()
    {
        (await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("ivan"), TPass("not-a-passcode")))
            .AssertError(401, "Invalid passcode");
        Dictionary<string, string> h = Secret();
        h["T-pass"] = "not-a-passcode";
        (await _f.PostAsync("/auth/token", EmulatorFixture.UserBody("ivan"), h)).AssertError(401, "Invalid passcode");
    }

    [Fact]
    public async Task Token_TPassOfAnotherTenant_Is401()
    {
        Dictionary<string, string> acme = EmulatorFixture.WithSecret(EmulatorFixture.Tenant("acme", "test", "rockets"), "acme-id", "acme-secret");
        ArtResponse p = await _f.PostAsync("/v1/connect/passcode", EmulatorFixture.UserBody("alice"), acme);
        string passcode = p.Data.GetProperty("passcode").GetString()!;
        (await _f.PostAsync("/auth/token", "{}", TPass(passcode))).AssertError(401, "Invalid passcode");
    }

    [Fact]
    public async Task Token_TPassWithWrongClientId_Is401InvalidToken()
    {
        string passcode = await PasscodeAsync("judy");
        (await _f.PostAsync("/auth/token", "{}", TPass(passcode, "wrong-id"))).AssertError(401, "Invalid token");
    }

    // ---------------------------------------------------------------- JWT

    [Fact]
    public async Task Jwt_IsHs256WithTheDocumentedClaims()
    {
        ArtResponse r = await _f.PostAsync("/auth/token",
            "{\"username\":\"kate\",\"first_name\":\"Kate\",\"last_name\":\"Bush\"}", Secret());
        string jwt = r.Data.GetProperty("access_token").GetString()!;
        string[] parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);

        using JsonDocument header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        Assert.Equal("HS256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("JWT", header.RootElement.GetProperty("typ").GetString());

        byte[] expectedSig = HMACSHA256.HashData(EmulatorFixture.SigningKey, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        Assert.Equal(Base64Url.EncodeToString(expectedSig), parts[2]);

        using JsonDocument payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        JsonElement p = payload.RootElement;
        Assert.StartsWith("usr_", p.GetProperty("sub").GetString());
        Assert.Equal("kate", p.GetProperty("username").GetString());
        Assert.Equal("Kate Bush", p.GetProperty("name").GetString());
        Assert.Equal("demo-org", p.GetProperty("org").GetString());
        Assert.Equal("dev", p.GetProperty("env").GetString());
        Assert.Equal("demo-project", p.GetProperty("project").GetString());
        long iat = p.GetProperty("iat").GetInt64(), exp = p.GetProperty("exp").GetInt64();
        Assert.Equal(3600, exp - iat);
        Assert.InRange(iat, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 60);
        Assert.False(string.IsNullOrEmpty(p.GetProperty("jti").GetString()));

        // sub is stable per user; jti differs per token; name falls back to the username.
        ArtResponse again = await _f.PostAsync("/auth/token", "{\"username\":\"kate\"}", Secret());
        using JsonDocument p2 = JsonDocument.Parse(Base64Url.DecodeFromChars(
            again.Data.GetProperty("access_token").GetString()!.Split('.')[1]));
        Assert.Equal(p.GetProperty("sub").GetString(), p2.RootElement.GetProperty("sub").GetString());
        Assert.NotEqual(p.GetProperty("jti").GetString(), p2.RootElement.GetProperty("jti").GetString());
        Assert.Equal("kate", p2.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Bearer_Missing_Malformed_Tampered_OtherTenant_AreRejected()
    {
        (string token, _) = await _f.SignInAsync("leo");
        const string path = "/v1/connect/new-connection";

        (await _f.PostAsync(path, "{}", EmulatorFixture.Tenant())).AssertError(401, "Missing authentication");
        Dictionary<string, string> empty = EmulatorFixture.Tenant();
        empty["Authorization"] = "Bearer ";
        (await _f.PostAsync(path, "{}", empty)).AssertError(401, "Missing authentication");
        Dictionary<string, string> basic = EmulatorFixture.Tenant();
        basic["Authorization"] = "Basic dXNlcjpwYXNz";
        (await _f.PostAsync(path, "{}", basic)).AssertError(401, "Invalid token");
        (await _f.PostAsync(path, "{}", EmulatorFixture.WithBearer("garbage"))).AssertError(401, "Invalid token");
        (await _f.PostAsync(path, "{}", EmulatorFixture.WithBearer("a.b.c"))).AssertError(401, "Invalid token");

        // Change the payload (username) and keep the signature: the signature no longer matches.
        string[] parts = token.Split('.');
        string payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace("\"leo\"", "\"admin\"");
        string forged = parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload)) + "." + parts[2];
        (await _f.PostAsync(path, "{}", EmulatorFixture.WithBearer(forged))).AssertError(401, "Invalid token");

        // A token of another project of the same org.
        (string prodToken, _) = await _f.SignInAsync("leo",
            EmulatorFixture.WithSecret(EmulatorFixture.Tenant("demo-org", "prod"), "prod-client-id", "prod-client-secret"));
        (await _f.PostAsync(path, "{}", EmulatorFixture.WithBearer(prodToken))).AssertError(401, "Invalid token");
        await _f.ConnectAsync(prodToken, EmulatorFixture.Tenant("demo-org", "prod"));

        // And the real one works, also on push.
        await _f.ConnectAsync(token);
        (await _f.PostAsync("/v1/push-message", "{}", EmulatorFixture.Tenant())).AssertError(401, "Missing authentication");
        (await _f.PostAsync("/v1/push-message", "{}", EmulatorFixture.WithBearer(forged))).AssertError(401, "Invalid token");
    }

    // ---------------------------------------------------------------- refresh

    [Fact]
    public async Task Refresh_RotatesAndRevokesTheUsedToken()
    {
        (string access, string refresh) = await _f.SignInAsync("mike");
        string body = JsonSerializer.Serialize(new { refresh_token = refresh });
        Dictionary<string, string> h = EmulatorFixture.Tenant();
        h["Client-Id"] = "demo-client-id";

        ArtResponse r = await _f.PostAsync("/auth/token/refresh", body, h);
        r.AssertOk("Token refreshed");
        string newAccess = r.Data.GetProperty("access_token").GetString()!;
        string newRefresh = r.Data.GetProperty("refresh_token").GetString()!;
        Assert.Equal("mike", r.Data.GetProperty("username").GetString());
        Assert.NotEqual(access, newAccess);
        Assert.NotEqual(refresh, newRefresh);
        await _f.ConnectAsync(newAccess);

        // The used one is revoked.
        (await _f.PostAsync("/auth/token/refresh", body, h)).AssertError(401, "Invalid refresh token");
        // The new one works, without Client-Id too.
        (await _f.PostAsync("/auth/token/refresh", JsonSerializer.Serialize(new { refresh_token = newRefresh }),
            EmulatorFixture.Tenant())).AssertOk("Token refreshed");
    }

    [Fact]
    public async Task Refresh_Errors()
    {
        (_, string refresh) = await _f.SignInAsync("nina");
        string body = JsonSerializer.Serialize(new { refresh_token = refresh });
        Dictionary<string, string> wrongId = EmulatorFixture.Tenant();
        wrongId["Client-Id"] = "wrong";
        (await _f.PostAsync("/auth/token/refresh", body, wrongId)).AssertError(401, "Invalid token");
        (await _f.PostAsync("/auth/token/refresh", "{}", EmulatorFixture.Tenant())).AssertError(400, "refresh_token is required");
        (await _f.PostAsync("/auth/token/refresh", "{\"refresh_token\":\"\"}", EmulatorFixture.Tenant()))
            .AssertError(400, "refresh_token is required");
        (await _f.PostAsync("/auth/token/refresh", "[]", EmulatorFixture.Tenant())).AssertError(400, "Invalid request body");
        (await _f.PostAsync("/auth/token/refresh", "{\"refresh_token\":\"abc.123\"}", EmulatorFixture.Tenant()))
            .AssertError(401, "Invalid refresh token");
        // Another project's refresh token is unknown here.
        (await _f.PostAsync("/auth/token/refresh", body, EmulatorFixture.Tenant("demo-org", "prod")))
            .AssertError(401, "Invalid refresh token");
        // It was not consumed by the failures.
        (await _f.PostAsync("/auth/token/refresh", body, EmulatorFixture.Tenant())).AssertOk("Token refreshed");
    }

    // ---------------------------------------------------------------- lifetimes set through the admin API

    [Fact]
    public async Task ZeroLifetimes_GiveExpiredTokens()
    {
        try
        {
            await _f.PutSettingsAsync("{\"tokenLifetimeSeconds\":0,\"refreshTokenLifetimeSeconds\":0}");
            (string access, string refresh) = await _f.SignInAsync("oscar");
            (await _f.PostAsync("/v1/connect/new-connection", "{}", EmulatorFixture.WithBearer(access)))
                .AssertError(401, "Token expired");
            (await _f.PushAsync(access, EmulatorFixture.PushBody("conn_x"))).AssertError(401, "Token expired");
            (await _f.PostAsync("/auth/token/refresh", JsonSerializer.Serialize(new { refresh_token = refresh }),
                EmulatorFixture.Tenant())).AssertError(401, "Refresh token expired");
        }
        finally
        {
            await _f.PutSettingsAsync("{\"tokenLifetimeSeconds\":3600,\"refreshTokenLifetimeSeconds\":86400}");
        }
        (string ok, _) = await _f.SignInAsync("oscar");
        await _f.ConnectAsync(ok);
    }

    [Fact]
    public async Task ZeroPasscodeLifetime_GivesUnusablePasscodes()
    {
        try
        {
            await _f.PutSettingsAsync("{\"passcodeLifetimeSeconds\":0}");
            string passcode = await PasscodeAsync("pat");
            (await _f.PostAsync("/auth/token", "{}", TPass(passcode))).AssertError(401, "Invalid passcode");
        }
        finally
        {
            await _f.PutSettingsAsync("{\"passcodeLifetimeSeconds\":600}");
        }
    }
}

/// <summary>Expiry with a clock the test moves.</summary>
public sealed class ExpiryTests : IClassFixture<ManualClockFixture>
{
    private readonly ManualClockFixture _f;

    public ExpiryTests(ManualClockFixture f) => _f = f;

    [Fact]
    public async Task AccessToken_ExpiresAtExp_ThenRefreshWorks_UntilRefreshExpires()
    {
        (string access, string refresh) = await _f.SignInAsync("quinn");
        string conn = await _f.ConnectAsync(access);
        (await _f.PushAsync(access, EmulatorFixture.PushBody(conn))).AssertOk("Message processed successfully");

        _f.Clock.Advance(TimeSpan.FromSeconds(59));
        await _f.ConnectAsync(access);
        _f.Clock.Advance(TimeSpan.FromSeconds(1)); // now == exp
        (await _f.PostAsync("/v1/connect/new-connection", "{}", EmulatorFixture.WithBearer(access))).AssertError(401, "Token expired");
        (await _f.PushAsync(access, EmulatorFixture.PushBody(conn))).AssertError(401, "Token expired");

        ArtResponse r = await _f.PostAsync("/auth/token/refresh", JsonSerializer.Serialize(new { refresh_token = refresh }), EmulatorFixture.Tenant());
        r.AssertOk("Token refreshed");
        string access2 = r.Data.GetProperty("access_token").GetString()!;
        string refresh2 = r.Data.GetProperty("refresh_token").GetString()!;
        // The connection survives the token: push with the new token on the same connection.
        (await _f.PushAsync(access2, EmulatorFixture.PushBody(conn))).AssertOk("Message processed successfully");

        _f.Clock.Advance(TimeSpan.FromSeconds(300));
        (await _f.PostAsync("/auth/token/refresh", JsonSerializer.Serialize(new { refresh_token = refresh2 }), EmulatorFixture.Tenant()))
            .AssertError(401, "Refresh token expired");
    }

    [Fact]
    public async Task Passcode_ExpiresAfterItsLifetime()
    {
        ArtResponse p = await _f.PostAsync("/v1/connect/passcode", EmulatorFixture.UserBody("rita"), EmulatorFixture.WithSecret());
        string passcode = p.Data.GetProperty("passcode").GetString()!;
        Dictionary<string, string> h = EmulatorFixture.Tenant();
        h["T-pass"] = passcode;
        _f.Clock.Advance(TimeSpan.FromSeconds(29));
        (await _f.PostAsync("/auth/token", "{}", h)).AssertOk("Authenticated");
        _f.Clock.Advance(TimeSpan.FromSeconds(1));
        (await _f.PostAsync("/auth/token", "{}", h)).AssertError(401, "Invalid passcode");
    }

    [Fact]
    public async Task MessageTimestamps_ComeFromTheClock()
    {
        await _f.ResetAsync();
        (string token, string conn) = await _f.SessionAsync("sam");
        (await _f.PushAsync(token, EmulatorFixture.PushBody(conn))).AssertOk("Message processed successfully");
        JsonElement m = Assert.Single(await _f.MessagesAsync());
        DateTimeOffset at = m.GetProperty("receivedAt").GetDateTimeOffset();
        Assert.Equal(_f.Clock.GetUtcNow(), at);
    }
}
