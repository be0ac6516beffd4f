using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ArtRest.Emulator;

/// <summary>A running emulator: a Kestrel server on loopback (by default) serving the ART REST API under /ws.</summary>
public sealed class ArtEmulatorServer : IAsyncDisposable
{
    public const string BasePath = "/ws";

    private readonly WebApplication _app;
    private int _disposed;

    private ArtEmulatorServer(WebApplication app, EmulatorState state, Uri baseUri)
    {
        _app = app;
        State = state;
        BaseUri = baseUri;
        AdminUri = new Uri(baseUri.AbsoluteUri.TrimEnd('/') + AdminEndpoints.Prefix);
    }

    /// <summary>The base URI callers pass to ArtRest, e.g. http://127.0.0.1:41234/ws.</summary>
    public Uri BaseUri { get; }

    /// <summary>BaseUri + "/_emulator".</summary>
    public Uri AdminUri { get; }

    /// <summary>The in-process state (messages, stats, faults, settings, tokens).</summary>
    public EmulatorState State { get; }

    public int Port => BaseUri.Port;

    public static async Task<ArtEmulatorServer> StartAsync(EmulatorOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        IPAddress address = EmulatorOptions.ResolveHost(options.Host);
        if (options.Port is < 0 or > 65535)
            throw new EmulatorOptionsException($"bad port {options.Port}");
        if (options.Tenants.Count == 0)
            throw new EmulatorOptionsException("at least one tenant is needed");

        var state = new EmulatorState(options);

        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
            k.Listen(address, options.Port);
        });
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        WebApplication app = builder.Build();
        var api = new ApiEndpoints(state, app.Lifetime.ApplicationStopping);
        var admin = new AdminEndpoints(state);
        app.Run(ctx => Dispatch(ctx, api, admin));

        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        IServerAddressesFeature? addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        string? bound = addresses?.Addresses.FirstOrDefault();
        int port = bound is null ? options.Port : new Uri(bound).Port;
        return new ArtEmulatorServer(app, state, new Uri($"http://{UriHost(address)}:{port}{BasePath}"));
    }

    private static string UriHost(IPAddress address)
    {
        if (address.Equals(IPAddress.Any))
            return "127.0.0.1";
        if (address.Equals(IPAddress.IPv6Any))
            return "[::1]";
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
    }

    private static Task Dispatch(HttpContext ctx, ApiEndpoints api, AdminEndpoints admin)
    {
        string path = ctx.Request.Path.Value ?? "";
        if (path.StartsWith(BasePath, StringComparison.Ordinal) && path.Length > BasePath.Length && path[BasePath.Length] == '/')
        {
            string relative = path.Substring(BasePath.Length);
            ArtEndpoint? endpoint = ApiEndpoints.Resolve(relative);
            if (endpoint is ArtEndpoint e)
                return api.HandleAsync(ctx, e, relative);
            if (relative.StartsWith(AdminEndpoints.Prefix, StringComparison.Ordinal))
                return admin.HandleAsync(ctx, relative.Substring(AdminEndpoints.Prefix.Length));
        }
        return JsonReply.WriteAsync(ctx, 404, Errors.NotFound);
    }

    /// <summary>Stops the server (hanging requests are released).</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await _app.StopAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>No console hooks: the CLI handles Ctrl+C / SIGTERM itself, tests dispose the server.</summary>
    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
