using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ArtRest.Tests.Core;

/// <summary>
/// A loopback HTTP/1.1 server for the one case the emulator cannot play: it answers 200 with
/// its headers and the first bytes of a body, then stops sending (the emulator's hang fault
/// hangs before any byte). Every request gets the same treatment.
/// </summary>
public sealed class StallingServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = new();
    private readonly Task _accepting;

    private StallingServer(TcpListener listener)
    {
        _listener = listener;
        _accepting = AcceptAsync();
    }

    public Uri BaseUri => new("http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port + "/ws");

    public static Task<StallingServer> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return Task.FromResult(new StallingServer(listener));
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_clients)
                {
                    _clients.Add(client);
                }

                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException || e is SocketException || e is ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            NetworkStream stream = client.GetStream();
            var received = new StringBuilder();
            var buffer = new byte[8192];
            while (received.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal) < 0)
            {
                int n = await stream.ReadAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    return;
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }

            byte[] head = Encoding.ASCII.GetBytes(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"status\":200,\"data\":{\"access_to");
            await stream.WriteAsync(head, _stop.Token);
            await stream.FlushAsync(_stop.Token);
            await Task.Delay(Timeout.Infinite, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException || e is System.IO.IOException || e is SocketException || e is ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients)
        {
            foreach (TcpClient client in _clients)
            {
                client.Dispose();
            }
        }

        await _accepting;
        _stop.Dispose();
    }
}
