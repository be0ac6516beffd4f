using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace ArtRest.Emulator;

public enum FaultKind
{
    Status,
    Delay,
    ResetBefore,
    ResetAfter,
    Hang,
    Html,
    Empty,
    Truncated,
    NoData,
    WrongData,
    ErrorIn200,
    Huge,
}

/// <summary>One fault rule (see README.md). Remaining is -1 for unlimited.</summary>
public sealed class FaultRule
{
    internal static readonly string[] KindNames =
    {
        "status", "delay", "reset-before", "reset-after", "hang", "html", "empty", "truncated", "no-data",
        "wrong-data", "error-in-200", "huge",
    };

    public static readonly string[] ValidPaths =
    {
        "/v1/connect/passcode", "/auth/token", "/auth/token/refresh", "/v1/connect/new-connection", "/v1/push-message",
    };

    public int Id { get; internal set; }
    public string Path { get; init; } = "";
    public int Remaining { get; internal set; } = 1;
    public double Probability { get; init; } = 1.0;
    public int? Seed { get; init; }
    public FaultKind Kind { get; init; } = FaultKind.Status;
    public int? Status { get; init; }
    public string? RetryAfter { get; init; }
    public string? Body { get; init; }
    public string? ContentType { get; init; }
    public int LatencyMs { get; init; }
    internal Random Random { get; init; } = new();

    public string KindName => KindNames[(int)Kind];

    /// <summary>The status the fault responds with.</summary>
    public int EffectiveStatus => Status ?? Kind switch
    {
        FaultKind.Status => 503,
        FaultKind.Html => 502,
        _ => 200,
    };

    /// <summary>Reads a rule from the body of POST /faults; throws FormatException with a readable message.</summary>
    public static FaultRule Parse(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new FormatException("the fault rule must be a JSON object");
        string? path = null;
        int count = 1;
        double probability = 1.0;
        int? seed = null, status = null;
        FaultKind kind = FaultKind.Status;
        string? retryAfter = null, body = null, contentType = null;
        int latency = 0;
        foreach (JsonProperty p in e.EnumerateObject())
        {
            JsonElement v = p.Value;
            switch (p.Name.ToLowerInvariant())
            {
                case "path": path = Str(p); break;
                case "count":
                    count = Int(p);
                    if (count == 0 || count < -1)
                        throw new FormatException("count must be -1 (unlimited) or >= 1");
                    break;
                case "probability":
                    if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out probability) || probability < 0 || probability > 1)
                        throw new FormatException("probability must be a number from 0 to 1");
                    break;
                case "seed": seed = v.ValueKind == JsonValueKind.Null ? null : Int(p); break;
                case "kind":
                    string k = Str(p) ?? "status";
                    int idx = Array.IndexOf(KindNames, k.ToLowerInvariant());
                    if (idx < 0)
                        throw new FormatException($"unknown kind '{k}' (expected one of: {string.Join(", ", KindNames)})");
                    kind = (FaultKind)idx;
                    break;
                case "status":
                    if (v.ValueKind == JsonValueKind.Null) break;
                    status = Int(p);
                    if (status < 100 || status > 599)
                        throw new FormatException("status must be from 100 to 599");
                    break;
                case "retryafter":
                    retryAfter = v.ValueKind == JsonValueKind.Number ? v.GetRawText() : Str(p);
                    break;
                case "body": body = Str(p); break;
                case "contenttype": contentType = Str(p); break;
                case "latencyms":
                    latency = Int(p);
                    if (latency < 0)
                        throw new FormatException("latencyMs must be >= 0");
                    break;
                default:
                    throw new FormatException($"unknown fault property '{p.Name}'");
            }
        }
        if (string.IsNullOrWhiteSpace(path))
            throw new FormatException("path is required (e.g. \"/v1/push-message\")");
        if (!path.StartsWith('/'))
            path = "/" + path;
        if (path.StartsWith("/ws/", StringComparison.Ordinal))
            path = path.Substring(3);
        if (Array.IndexOf(ValidPaths, path) < 0)
            throw new FormatException($"unknown path '{path}' (expected one of: {string.Join(", ", ValidPaths)})");
        return new FaultRule
        {
            Path = path,
            Remaining = count,
            Probability = probability,
            Seed = seed,
            Kind = kind,
            Status = status,
            RetryAfter = retryAfter,
            Body = body,
            ContentType = contentType,
            LatencyMs = latency,
            Random = seed is int s ? new Random(s) : new Random(),
        };
    }

    private static string? Str(JsonProperty p) => p.Value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => p.Value.GetString(),
        _ => throw new FormatException($"{p.Name} must be a string"),
    };

    private static int Int(JsonProperty p)
    {
        if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int v))
            throw new FormatException($"{p.Name} must be an integer");
        return v;
    }

    public void WriteTo(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("id", Id);
        w.WriteString("path", Path);
        w.WriteString("kind", KindName);
        w.WriteNumber("count", Remaining);
        w.WriteNumber("probability", Probability);
        if (Seed is int seed) w.WriteNumber("seed", seed); else w.WriteNull("seed");
        w.WriteNumber("status", EffectiveStatus);
        if (RetryAfter is null) w.WriteNull("retryAfter"); else w.WriteString("retryAfter", RetryAfter);
        if (Body is null) w.WriteNull("body"); else w.WriteString("body", Body);
        if (ContentType is null) w.WriteNull("contentType"); else w.WriteString("contentType", ContentType);
        w.WriteNumber("latencyMs", LatencyMs);
        w.WriteEndObject();
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"#{Id} {KindName} {Path} x{Remaining} p={Probability}");
}

/// <summary>Pending fault rules, checked in insertion order. Costs one volatile read when there are none.</summary>
public sealed class FaultInjector
{
    private readonly object _lock = new();
    private volatile FaultRule[] _rules = Array.Empty<FaultRule>();
    private int _nextId;

    public bool IsEmpty => _rules.Length == 0;

    public FaultRule Add(FaultRule rule)
    {
        lock (_lock)
        {
            rule.Id = ++_nextId;
            var next = new FaultRule[_rules.Length + 1];
            _rules.CopyTo(next, 0);
            next[^1] = rule;
            _rules = next;
        }
        return rule;
    }

    public FaultRule[] Pending => _rules;

    public void Clear()
    {
        lock (_lock) _rules = Array.Empty<FaultRule>();
    }

    /// <summary>The first rule for this path that hits (consuming one count), or null.</summary>
    public FaultRule? TryHit(string path)
    {
        if (_rules.Length == 0)
            return null;
        lock (_lock)
        {
            FaultRule[] rules = _rules;
            for (int i = 0; i < rules.Length; i++)
            {
                FaultRule r = rules[i];
                if (!string.Equals(r.Path, path, StringComparison.Ordinal) || r.Remaining == 0)
                    continue;
                if (r.Probability < 1.0 && r.Random.NextDouble() >= r.Probability)
                    continue;
                if (r.Remaining > 0 && --r.Remaining == 0)
                {
                    var next = new List<FaultRule>(rules);
                    next.RemoveAt(i);
                    _rules = next.ToArray();
                }
                return r;
            }
            return null;
        }
    }
}
