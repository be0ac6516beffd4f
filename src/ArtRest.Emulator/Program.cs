using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace ArtRest.Emulator;

public static class Program
{
    public const int ExitOk = 0;
    public const int ExitStartFailed = 1;
    public const int ExitUsage = 2;

    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext c)
        {
            c.Cancel = true;
            stop.Cancel();
        }
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using PosixSignalRegistration sigquit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);
        return await RunAsync(args, Console.Out, Console.Error, stop.Token);
    }

    /// <summary>Parses the arguments, starts the emulator, writes its base URI as the first stdout line,
    /// and runs until <paramref name="stop"/> is cancelled. Returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        EmulatorOptions options;
        try
        {
            options = EmulatorOptions.Parse(args);
        }
        catch (EmulatorOptionsException e)
        {
            await stderr.WriteLineAsync("art-emulator: " + e.Message);
            await stderr.WriteLineAsync("Run with --help for the options.");
            await stderr.FlushAsync();
            return ExitUsage;
        }
        if (options.ShowHelp)
        {
            await stdout.WriteAsync(EmulatorOptions.HelpText);
            await stdout.FlushAsync();
            return ExitOk;
        }

        ArtEmulatorServer server;
        try
        {
            server = await ArtEmulatorServer.StartAsync(options, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return ExitOk;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException or EmulatorOptionsException)
        {
            await stderr.WriteLineAsync("art-emulator: cannot start: " + e.Message);
            await stderr.FlushAsync();
            return e is EmulatorOptionsException ? ExitUsage : ExitStartFailed;
        }

        await using (server)
        {
            await stdout.WriteLineAsync(server.BaseUri.ToString());
            await stdout.FlushAsync();
            try
            {
                await Task.Delay(Timeout.Infinite, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return ExitOk;
    }
}
