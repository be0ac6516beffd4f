using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ArtRest.Emulator;

/// <summary>A bad command line or configuration file. The CLI exits with code 2.</summary>
public sealed class EmulatorOptionsException : Exception
{
    public EmulatorOptionsException(string message) : base(message) { }
}

/// <summary>One RBAC rule: who may push to a channel (exact name, or a prefix ending in '*').</summary>
public sealed class RbacRule
{
    public string Channel { get; set; } = "";
    public List<string> Allow { get; set; } = new();
}

/// <summary>One tenant (org + environment + project) with its client credentials.</summary>
public sealed class TenantOptions
{
    public string Org { get; set; } = "";
    public string Environment { get; set; } = "";
    public string ProjectKey { get; set; } = "";
    public string ClientId { get; set; } = "";
    public string ClientSecret { get; set; } = "";
    /// <summary>null: anyone may sign in; else the usernames allowed to get passcodes and tokens.</summary>
    public List<string>? Users { get; set; }
    public List<RbacRule> Rbac { get; set; } = new();
}

/// <summary>Settings of one emulator instance: defaults, then the config file, then the command line.</summary>
public sealed class EmulatorOptions
{
    public const int DefaultPort = 5280;

    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = DefaultPort;
    public int TokenLifetimeSeconds { get; set; } = 3600;
    public int RefreshTokenLifetimeSeconds { get; set; } = 86400;
    public int PasscodeLifetimeSeconds { get; set; } = 600;
    public int LatencyMs { get; set; }
    /// <summary>HS256 key; null: 32 random bytes per process.</summary>
    public byte[]? SigningKey { get; set; }
    public List<TenantOptions> Tenants { get; set; } = new();
    /// <summary>The clock for token issue/expiry and message timestamps (tests may pass a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
    /// <summary>Set by --help.</summary>
    public bool ShowHelp { get; set; }

    /// <summary>The embedded default: one demo tenant; any user; channel 'restricted' only for 'admin'.</summary>
    public static EmulatorOptions CreateDefault()
    {
        var o = new EmulatorOptions();
        o.Tenants.Add(CreateDemoTenant());
        return o;
    }

    public static TenantOptions CreateDemoTenant() => new()
    {
        Org = "demo-org",
        Environment = "dev",
        ProjectKey = "demo-project",
        ClientId = "demo-client-id",
        ClientSecret = "demo-client-secret",
        Users = null,
        Rbac = new List<RbacRule> { new() { Channel = "restricted", Allow = new List<string> { "admin" } } },
    };

    public const string HelpText =
        "art-emulator: a local emulator of the ART REST API.\n" +
        "\n" +
        "Usage: art-emulator [options]   (or: dotnet ArtRest.Emulator.dll [options])\n" +
        "\n" +
        "Options:\n" +
        "  --port N                 TCP port (default 5280; 0 picks a free port)\n" +
        "  --host ADDR              address to bind (default 127.0.0.1; 'localhost', '*' = all)\n" +
        "  --config FILE            JSON configuration file (tenants, lifetimes, ...)\n" +
        "  --token-lifetime SEC     access token lifetime (default 3600)\n" +
        "  --refresh-lifetime SEC   refresh token lifetime (default 86400)\n" +
        "  --passcode-lifetime SEC  passcode lifetime (default 600)\n" +
        "  --latency-ms MS          delay added to every ART request (default 0)\n" +
        "  --help                   show this help\n" +
        "\n" +
        "The first line written to stdout is the base URI (e.g. http://127.0.0.1:5280/ws).\n";

    /// <summary>Parses the command line: defaults, then --config FILE, then the other options.</summary>
    public static EmulatorOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        bool help = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h" or "-?" or "/?")
            {
                help = true;
                continue;
            }
            string name = arg;
            string? value = null;
            int eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 2)
            {
                name = arg.Substring(0, eq);
                value = arg.Substring(eq + 1);
            }
            switch (name)
            {
                case "--port":
                case "--host":
                case "--config":
                case "--token-lifetime":
                case "--refresh-lifetime":
                case "--passcode-lifetime":
                case "--latency-ms":
                    if (value is null)
                    {
                        if (i + 1 >= args.Count)
                            throw new EmulatorOptionsException($"option {name} needs a value");
                        value = args[++i];
                    }
                    values[name] = value;
                    break;
                default:
                    throw new EmulatorOptionsException($"unknown option '{arg}'");
            }
        }

        var o = CreateDefault();
        o.ShowHelp = help;
        if (values.TryGetValue("--config", out string? configPath))
            o.ApplyConfigFile(configPath);
        if (values.TryGetValue("--port", out string? port))
            o.Port = ParseInt("--port", port, 0, 65535);
        if (values.TryGetValue("--host", out string? host))
        {
            ResolveHost(host); // validates
            o.Host = host;
        }
        if (values.TryGetValue("--token-lifetime", out string? tl))
            o.TokenLifetimeSeconds = ParseInt("--token-lifetime", tl, 0, int.MaxValue);
        if (values.TryGetValue("--refresh-lifetime", out string? rl))
            o.RefreshTokenLifetimeSeconds = ParseInt("--refresh-lifetime", rl, 0, int.MaxValue);
        if (values.TryGetValue("--passcode-lifetime", out string? pl))
            o.PasscodeLifetimeSeconds = ParseInt("--passcode-lifetime", pl, 0, int.MaxValue);
        if (values.TryGetValue("--latency-ms", out string? lat))
            o.LatencyMs = ParseInt("--latency-ms", lat, 0, int.MaxValue);
        return o;
    }

    private static int ParseInt(string option, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new EmulatorOptionsException($"bad value '{text}' for {option} (expected an integer {min}..{max})");
        return v;
    }

    /// <summary>Maps --host to the address Kestrel binds.</summary>
    public static IPAddress ResolveHost(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
            return IPAddress.Loopback;
        if (host is "*" or "+")
            return IPAddress.Any;
        if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? ip))
            return ip;
        throw new EmulatorOptionsException($"bad value '{host}' for --host (expected an IP address, 'localhost' or '*')");
    }

    /// <summary>Reads a JSON configuration file over the current values.</summary>
    public void ApplyConfigFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new EmulatorOptionsException($"cannot read config file '{path}': {e.Message}");
        }
        ApplyConfigJson(text, path);
    }

    /// <summary>Applies a configuration document (see README.md) over the current values.</summary>
    public void ApplyConfigJson(string json, string source = "config")
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new EmulatorOptionsException($"{source}: invalid JSON: {e.Message}");
        }
        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new EmulatorOptionsException($"{source}: the root must be a JSON object");
            foreach (JsonProperty p in root.EnumerateObject())
            {
                switch (p.Name.ToLowerInvariant())
                {
                    case "tokenlifetimeseconds": TokenLifetimeSeconds = ReadInt(source, p, 0); break;
                    case "refreshtokenlifetimeseconds": RefreshTokenLifetimeSeconds = ReadInt(source, p, 0); break;
                    case "passcodelifetimeseconds": PasscodeLifetimeSeconds = ReadInt(source, p, 0); break;
                    case "latencyms": LatencyMs = ReadInt(source, p, 0); break;
                    case "signingkey":
                        if (p.Value.ValueKind == JsonValueKind.Null) { SigningKey = null; break; }
                        string key = ReadString(source, p.Name, p.Value);
                        if (key.Length == 0)
                            throw new EmulatorOptionsException($"{source}: signingKey must not be empty");
                        SigningKey = Encoding.UTF8.GetBytes(key);
                        break;
                    case "tenants": Tenants = ReadTenants(source, p.Value); break;
                    case "$schema": break;
                    default:
                        throw new EmulatorOptionsException($"{source}: unknown setting '{p.Name}'");
                }
            }
        }
    }

    private static int ReadInt(string source, JsonProperty p, int min)
    {
        if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int v) || v < min)
            throw new EmulatorOptionsException($"{source}: '{p.Name}' must be an integer >= {min}");
        return v;
    }

    private static string ReadString(string source, string name, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.String)
            throw new EmulatorOptionsException($"{source}: '{name}' must be a string");
        return e.GetString()!;
    }

    private static List<string> ReadStringList(string source, string name, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Array)
            throw new EmulatorOptionsException($"{source}: '{name}' must be an array of strings");
        var list = new List<string>();
        foreach (JsonElement item in e.EnumerateArray())
            list.Add(ReadString(source, name + "[]", item));
        return list;
    }

    private static List<TenantOptions> ReadTenants(string source, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Array)
            throw new EmulatorOptionsException($"{source}: 'tenants' must be an array");
        var tenants = new List<TenantOptions>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonElement t in e.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.Object)
                throw new EmulatorOptionsException($"{source}: each tenant must be an object");
            var tenant = new TenantOptions();
            foreach (JsonProperty p in t.EnumerateObject())
            {
                switch (p.Name.ToLowerInvariant())
                {
                    case "org": tenant.Org = ReadString(source, p.Name, p.Value); break;
                    case "environment": tenant.Environment = ReadString(source, p.Name, p.Value); break;
                    case "projectkey": tenant.ProjectKey = ReadString(source, p.Name, p.Value); break;
                    case "clientid": tenant.ClientId = ReadString(source, p.Name, p.Value); break;
                    case "clientsecret": tenant.ClientSecret = ReadString(source, p.Name, p.Value); break;
                    case "users":
                        tenant.Users = p.Value.ValueKind == JsonValueKind.Null ? null : ReadStringList(source, "users", p.Value);
                        break;
                    case "rbac":
                        tenant.Rbac = new List<RbacRule>();
                        if (p.Value.ValueKind == JsonValueKind.Null)
                            break;
                        if (p.Value.ValueKind != JsonValueKind.Array)
                            throw new EmulatorOptionsException($"{source}: 'rbac' must be an array");
                        foreach (JsonElement r in p.Value.EnumerateArray())
                        {
                            if (r.ValueKind != JsonValueKind.Object
                                || !r.TryGetProperty("channel", out JsonElement ch) || ch.ValueKind != JsonValueKind.String
                                || string.IsNullOrEmpty(ch.GetString()))
                                throw new EmulatorOptionsException($"{source}: each rbac rule needs a 'channel' string");
                            var rule = new RbacRule { Channel = ch.GetString()! };
                            if (r.TryGetProperty("allow", out JsonElement allow) && allow.ValueKind != JsonValueKind.Null)
                                rule.Allow = ReadStringList(source, "allow", allow);
                            tenant.Rbac.Add(rule);
                        }
                        break;
                    default:
                        throw new EmulatorOptionsException($"{source}: unknown tenant setting '{p.Name}'");
                }
            }
            if (tenant.Org.Length == 0 || tenant.Environment.Length == 0 || tenant.ProjectKey.Length == 0
                || tenant.ClientId.Length == 0 || tenant.ClientSecret.Length == 0)
                throw new EmulatorOptionsException(
                    $"{source}: each tenant needs non-empty org, environment, projectKey, clientId and clientSecret");
            if (!seen.Add(tenant.Org + "\n" + tenant.Environment + "\n" + tenant.ProjectKey))
                throw new EmulatorOptionsException(
                    $"{source}: duplicate tenant {tenant.Org}/{tenant.Environment}/{tenant.ProjectKey}");
            tenants.Add(tenant);
        }
        if (tenants.Count == 0)
            throw new EmulatorOptionsException($"{source}: 'tenants' must hold at least one tenant");
        return tenants;
    }
}
