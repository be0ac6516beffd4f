using System;
using System.Collections.Generic;
using System.Threading;

namespace ArtRest.Emulator;

/// <summary>Settings that the admin API may change while the emulator runs.</summary>
public sealed class RuntimeSettings
{
    private int _tokenLifetimeSeconds;
    private int _refreshTokenLifetimeSeconds;
    private int _passcodeLifetimeSeconds;
    private int _latencyMs;

    public RuntimeSettings(EmulatorOptions o)
    {
        _tokenLifetimeSeconds = o.TokenLifetimeSeconds;
        _refreshTokenLifetimeSeconds = o.RefreshTokenLifetimeSeconds;
        _passcodeLifetimeSeconds = o.PasscodeLifetimeSeconds;
        _latencyMs = o.LatencyMs;
    }

    public int TokenLifetimeSeconds { get => Volatile.Read(ref _tokenLifetimeSeconds); set => Volatile.Write(ref _tokenLifetimeSeconds, value); }
    public int RefreshTokenLifetimeSeconds { get => Volatile.Read(ref _refreshTokenLifetimeSeconds); set => Volatile.Write(ref _refreshTokenLifetimeSeconds, value); }
    public int PasscodeLifetimeSeconds { get => Volatile.Read(ref _passcodeLifetimeSeconds); set => Volatile.Write(ref _passcodeLifetimeSeconds, value); }
    public int LatencyMs { get => Volatile.Read(ref _latencyMs); set => Volatile.Write(ref _latencyMs, value); }
}

/// <summary>The five ART endpoints.</summary>
public enum ArtEndpoint
{
    Passcode,
    Token,
    Refresh,
    NewConnection,
    Push,
}

/// <summary>Request counters per endpoint (all outcomes, faults included) and accepted pushes.</summary>
public sealed class EmulatorStats
{
    // Spread over cache lines: many threads count pushes at once.
    private readonly long[] _counts = new long[6 * 8];
    private const int AcceptedSlot = 5;

    public void Count(ArtEndpoint e) => Interlocked.Increment(ref _counts[(int)e * 8]);
    public void CountAccepted() => Interlocked.Increment(ref _counts[AcceptedSlot * 8]);
    public long Get(ArtEndpoint e) => Interlocked.Read(ref _counts[(int)e * 8]);
    public long PushAccepted => Interlocked.Read(ref _counts[AcceptedSlot * 8]);

    public void Reset()
    {
        for (int i = 0; i < _counts.Length; i += 8)
            Interlocked.Exchange(ref _counts[i], 0);
    }
}

/// <summary>A tenant at run time.</summary>
public sealed class Tenant
{
    private readonly HashSet<string>? _users;
    private readonly (string Channel, bool Prefix, HashSet<string> Allow)[] _rbac;

    public Tenant(TenantOptions o)
    {
        Org = o.Org;
        Environment = o.Environment;
        ProjectKey = o.ProjectKey;
        ClientId = o.ClientId;
        ClientSecret = o.ClientSecret;
        _users = o.Users is null ? null : new HashSet<string>(o.Users, StringComparer.Ordinal);
        _rbac = new (string, bool, HashSet<string>)[o.Rbac.Count];
        for (int i = 0; i < o.Rbac.Count; i++)
        {
            string ch = o.Rbac[i].Channel;
            bool prefix = ch.EndsWith('*');
            _rbac[i] = (prefix ? ch.Substring(0, ch.Length - 1) : ch, prefix, new HashSet<string>(o.Rbac[i].Allow, StringComparer.Ordinal));
        }
    }

    public string Org { get; }
    public string Environment { get; }
    public string ProjectKey { get; }
    public string ClientId { get; }
    public string ClientSecret { get; }

    /// <summary>May this user get passcodes and tokens?</summary>
    public bool IsUserAllowed(string username) => _users is null || _users.Contains(username);

    /// <summary>The first RBAC rule matching the channel decides; no rule: open to all.</summary>
    public bool CanPush(string channel, string username)
    {
        foreach (var rule in _rbac)
        {
            bool match = rule.Prefix
                ? channel.StartsWith(rule.Channel, StringComparison.Ordinal)
                : string.Equals(channel, rule.Channel, StringComparison.Ordinal);
            if (match)
                return rule.Allow.Contains(username) || rule.Allow.Contains("*");
        }
        return true;
    }
}

public enum TenantLookup
{
    Found,
    TenantNotFound,
    ProjectNotFound,
}

/// <summary>Tenants by X-Org, then Environment + ProjectKey.</summary>
public sealed class TenantRegistry
{
    private readonly Dictionary<string, Tenant[]> _byOrg = new(StringComparer.Ordinal);

    public TenantRegistry(IEnumerable<TenantOptions> tenants)
    {
        var lists = new Dictionary<string, List<Tenant>>(StringComparer.Ordinal);
        foreach (TenantOptions t in tenants)
        {
            if (!lists.TryGetValue(t.Org, out List<Tenant>? list))
                lists[t.Org] = list = new List<Tenant>();
            list.Add(new Tenant(t));
        }
        foreach (var kv in lists)
            _byOrg[kv.Key] = kv.Value.ToArray();
    }

    public TenantLookup Find(string org, string environment, string projectKey, out Tenant? tenant)
    {
        tenant = null;
        if (!_byOrg.TryGetValue(org, out Tenant[]? candidates))
            return TenantLookup.TenantNotFound;
        foreach (Tenant t in candidates)
        {
            if (string.Equals(t.Environment, environment, StringComparison.Ordinal)
                && string.Equals(t.ProjectKey, projectKey, StringComparison.Ordinal))
            {
                tenant = t;
                return TenantLookup.Found;
            }
        }
        return TenantLookup.ProjectNotFound;
    }
}

/// <summary>A connection created by new-connection, owned by one user of one tenant.</summary>
public sealed record ConnectionEntry(Tenant Tenant, string Username);

/// <summary>Everything one emulator instance holds.</summary>
public sealed class EmulatorState
{
    public EmulatorState(EmulatorOptions options)
    {
        Options = options;
        Time = options.TimeProvider;
        Settings = new RuntimeSettings(options);
        Tenants = new TenantRegistry(options.Tenants);
        Tokens = new TokenService(options.SigningKey, Time, Settings);
    }

    public EmulatorOptions Options { get; }
    public TimeProvider Time { get; }
    public RuntimeSettings Settings { get; }
    public TenantRegistry Tenants { get; }
    public TokenService Tokens { get; }
    public MessageStore Messages { get; } = new();
    public EmulatorStats Stats { get; } = new();
    public FaultInjector Faults { get; } = new();
    public System.Collections.Concurrent.ConcurrentDictionary<string, ConnectionEntry> Connections { get; } =
        new(StringComparer.Ordinal);
}
