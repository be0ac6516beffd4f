using System;
using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ArtRest.Emulator;

public enum TokenCheck
{
    Valid,
    Invalid,
    Expired,
}

public enum RefreshOutcome
{
    Refreshed,
    Invalid,
    Expired,
}

/// <summary>A passcode issued to a user of a tenant.</summary>
public sealed record PasscodeEntry(Tenant Tenant, string Username, DateTimeOffset ExpiresAt);

/// <summary>Tokens returned by sign-in and refresh.</summary>
public readonly record struct IssuedTokens(string AccessToken, string RefreshToken, string Username);

/// <summary>HS256 JWT access tokens, rotating refresh tokens and passcodes.</summary>
public sealed class TokenService
{
    // base64url of {"alg":"HS256","typ":"JWT"}
    public const string JwtHeaderSegment = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
    private const int MaxTokenLength = 8192;

    private sealed record RefreshEntry(Tenant Tenant, string Username, string Name, long ExpiresAtUnix);

    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly RuntimeSettings _settings;
    private readonly ConcurrentDictionary<string, PasscodeEntry> _passcodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RefreshEntry> _refreshTokens = new(StringComparer.Ordinal);
    private long _refreshIssued;
    private long _passcodesIssued;

    public TokenService(byte[]? signingKey, TimeProvider time, RuntimeSettings settings)
    {
        _key = signingKey ?? RandomNumberGenerator.GetBytes(32);
        _time = time;
        _settings = settings;
    }

    public long NowUnix => _time.GetUtcNow().ToUnixTimeSeconds();

    // ---- passcodes ----

    public string IssuePasscode(Tenant tenant, string username)
    {
        string passcode = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24)); // 32 chars
        DateTimeOffset expires = _time.GetUtcNow().AddSeconds(_settings.PasscodeLifetimeSeconds);
        _passcodes[passcode] = new PasscodeEntry(tenant, username, expires);
        if ((System.Threading.Interlocked.Increment(ref _passcodesIssued) & 0xFFFF) == 0)
            Sweep();
        return passcode;
    }

    /// <summary>The passcode's entry when it is known, of this tenant and unexpired; else null.</summary>
    public PasscodeEntry? ValidatePasscode(Tenant tenant, string passcode)
    {
        if (!_passcodes.TryGetValue(passcode, out PasscodeEntry? e) || !ReferenceEquals(e.Tenant, tenant))
            return null;
        if (e.ExpiresAt <= _time.GetUtcNow())
        {
            _passcodes.TryRemove(passcode, out _);
            return null;
        }
        return e;
    }

    // ---- access + refresh tokens ----

    public IssuedTokens IssueTokens(Tenant tenant, string username, string? firstName, string? lastName)
    {
        string name = string.IsNullOrWhiteSpace(firstName) && string.IsNullOrWhiteSpace(lastName)
            ? username
            : ((firstName ?? "").Trim() + " " + (lastName ?? "").Trim()).Trim();
        return Issue(tenant, username, name);
    }

    private IssuedTokens Issue(Tenant tenant, string username, string name)
    {
        long now = NowUnix;
        string access = CreateAccessToken(tenant, username, name, now, now + _settings.TokenLifetimeSeconds);
        long refreshExpiry = now + _settings.RefreshTokenLifetimeSeconds;
        string refresh = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)) + "." +
                         refreshExpiry.ToString(CultureInfo.InvariantCulture);
        _refreshTokens[refresh] = new RefreshEntry(tenant, username, name, refreshExpiry);
        if ((System.Threading.Interlocked.Increment(ref _refreshIssued) & 0xFFFF) == 0)
            Sweep();
        return new IssuedTokens(access, refresh, username);
    }

    /// <summary>Rotation: the used refresh token is revoked whatever the outcome.</summary>
    public RefreshOutcome Refresh(Tenant tenant, string refreshToken, out IssuedTokens tokens)
    {
        tokens = default;
        if (!_refreshTokens.TryGetValue(refreshToken, out RefreshEntry? e) || !ReferenceEquals(e.Tenant, tenant))
            return RefreshOutcome.Invalid;
        if (!_refreshTokens.TryRemove(refreshToken, out _))
            return RefreshOutcome.Invalid; // used concurrently
        if (e.ExpiresAtUnix <= NowUnix)
            return RefreshOutcome.Expired;
        tokens = Issue(tenant, e.Username, e.Name);
        return RefreshOutcome.Refreshed;
    }

    public string CreateAccessToken(Tenant tenant, string username, string name, long issuedAt, long expiresAt)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("sub", SubjectOf(tenant, username));
            w.WriteString("username", username);
            w.WriteString("name", name);
            w.WriteString("org", tenant.Org);
            w.WriteString("env", tenant.Environment);
            w.WriteString("project", tenant.ProjectKey);
            w.WriteNumber("iat", issuedAt);
            w.WriteNumber("exp", expiresAt);
            w.WriteString("jti", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)));
            w.WriteEndObject();
        }
        string signingInput = JwtHeaderSegment + "." + Base64Url.EncodeToString(buffer.WrittenSpan);
        Span<byte> sig = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signingInput), sig);
        return signingInput + "." + Base64Url.EncodeToString(sig);
    }

    /// <summary>"usr_" + 24 hex chars, stable for an org + username.</summary>
    public static string SubjectOf(Tenant tenant, string username)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(tenant.Org + "\n" + username), hash);
        return "usr_" + Convert.ToHexStringLower(hash.Slice(0, 12));
    }

    /// <summary>Checks signature, tenant and expiry of an access token.</summary>
    public TokenCheck ValidateAccessToken(Tenant tenant, string jwt, out string username) =>
        ValidateAccessToken(tenant, jwt.AsSpan(), out username);

    /// <summary>Checks signature, tenant and expiry of an access token.</summary>
    public TokenCheck ValidateAccessToken(Tenant tenant, ReadOnlySpan<char> jwt, out string username)
    {
        username = "";
        if (jwt.Length > MaxTokenLength)
            return TokenCheck.Invalid;
        int d1 = jwt.IndexOf('.');
        if (d1 != JwtHeaderSegment.Length || !jwt.Slice(0, d1).SequenceEqual(JwtHeaderSegment))
            return TokenCheck.Invalid;
        int rel = jwt.Slice(d1 + 1).IndexOf('.');
        if (rel < 0)
            return TokenCheck.Invalid;
        int d2 = d1 + 1 + rel;
        if (jwt.Slice(d2 + 1).IndexOf('.') >= 0)
            return TokenCheck.Invalid;

        // Signature.
        Span<byte> expected = stackalloc byte[32];
        Span<byte> given = stackalloc byte[64];
        byte[] rented = ArrayPool<byte>.Shared.Rent(d2);
        try
        {
            int n = Encoding.ASCII.GetBytes(jwt.Slice(0, d2), rented);
            HMACSHA256.HashData(_key, rented.AsSpan(0, n), expected);
            if (Base64Url.DecodeFromChars(jwt.Slice(d2 + 1), given, out _, out int sigLength) != OperationStatus.Done
                || sigLength != 32
                || !CryptographicOperations.FixedTimeEquals(expected, given.Slice(0, 32)))
                return TokenCheck.Invalid;

            // Payload.
            ReadOnlySpan<char> payloadChars = jwt.Slice(d1 + 1, d2 - d1 - 1);
            byte[] payload = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(payloadChars.Length));
            try
            {
                if (Base64Url.DecodeFromChars(payloadChars, payload, out _, out int len) != OperationStatus.Done)
                    return TokenCheck.Invalid;
                return CheckPayload(tenant, payload.AsSpan(0, len), out username);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(payload);
            }
        }
        catch (JsonException)
        {
            return TokenCheck.Invalid;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private TokenCheck CheckPayload(Tenant tenant, ReadOnlySpan<byte> json, out string username)
    {
        username = "";
        bool org = false, env = false, project = false;
        long exp = long.MinValue;
        string? user = null;
        var r = new Utf8JsonReader(json);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
            return TokenCheck.Invalid;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("org"u8)) { r.Read(); org = r.TokenType == JsonTokenType.String && r.ValueTextEquals(tenant.Org); }
            else if (r.ValueTextEquals("env"u8)) { r.Read(); env = r.TokenType == JsonTokenType.String && r.ValueTextEquals(tenant.Environment); }
            else if (r.ValueTextEquals("project"u8)) { r.Read(); project = r.TokenType == JsonTokenType.String && r.ValueTextEquals(tenant.ProjectKey); }
            else if (r.ValueTextEquals("exp"u8)) { r.Read(); if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out exp)) return TokenCheck.Invalid; }
            else if (r.ValueTextEquals("username"u8)) { r.Read(); if (r.TokenType == JsonTokenType.String) user = r.GetString(); }
            else { r.Read(); r.Skip(); }
        }
        if (!org || !env || !project || string.IsNullOrEmpty(user) || exp == long.MinValue)
            return TokenCheck.Invalid;
        if (exp <= NowUnix)
            return TokenCheck.Expired;
        username = user;
        return TokenCheck.Valid;
    }

    /// <summary>Forgets what expired over an hour ago (so that recent ones still report "expired").</summary>
    private void Sweep()
    {
        DateTimeOffset now = _time.GetUtcNow().AddHours(-1);
        long nowUnix = now.ToUnixTimeSeconds();
        foreach (var kv in _passcodes)
            if (kv.Value.ExpiresAt <= now)
                _passcodes.TryRemove(kv.Key, out _);
        foreach (var kv in _refreshTokens)
            if (kv.Value.ExpiresAtUnix <= nowUnix)
                _refreshTokens.TryRemove(kv.Key, out _);
    }
}
