using System;
using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using ArtRest.Client;
using Xunit;

namespace ArtRest.Tests.Core;

/// <summary>An emulator listening on every interface, reached through a non-loopback address of this machine.</summary>
public sealed class AllInterfacesEmulator : CoreEmulator
{
    protected override string Host => "*";

    /// <summary>The emulator's base URI through this machine's first non-loopback IPv4 address, or null when it has none.</summary>
    public Uri? NonLoopbackBaseUri
    {
        get
        {
            IPAddress? address = NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
            return address == null ? null : new UriBuilder(BaseUri) { Host = address.ToString() }.Uri;
        }
    }
}

/// <summary>Credentials over plain http to a host that is not loopback: refused unless the caller opts in.</summary>
public sealed class InsecureTransportTests : IClassFixture<AllInterfacesEmulator>, IAsyncLifetime
{
    private readonly AllInterfacesEmulator _emu;

    public InsecureTransportTests(AllInterfacesEmulator emulator) => _emu = emulator;

    public Task InitializeAsync() => _emu.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ANonLoopbackHttpBase_IsRefusedWithoutTheOptIn_AndUsedWithIt()
    {
        Uri? remote = _emu.NonLoopbackBaseUri;
        Assert.True(remote != null, "this machine has no non-loopback IPv4 address to test with");
        ArtSession session = _emu.RawIdentity("lan-user", baseUri: remote);

        ArtException refused = await Assert.ThrowsAsync<ArtException>(
            () => CoreEmulator.Client().GetTokenAsync(session, CancellationToken.None));
        Assert.Equal(ArtErrorKind.InsecureTransport, refused.Kind);
        Assert.Contains(remote!.Host, refused.Message);
        Assert.Equal(0, (await _emu.StatsAsync()).Token);

        ArtClient optedIn = CoreEmulator.Client(allowUnencrypted: true);
        ArtSession withToken = await optedIn.GetTokenAsync(session, CancellationToken.None);
        ArtSession connected = await optedIn.NewConnectionAsync(withToken, CancellationToken.None);
        await optedIn.PushAsync(connected, CoreEmulator.Message("over the LAN"), CancellationToken.None);

        EmulatorCounts stats = await _emu.StatsAsync();
        Assert.Equal((1L, 1L, 1L), (stats.Token, stats.NewConnection, stats.PushAccepted));
    }
}
