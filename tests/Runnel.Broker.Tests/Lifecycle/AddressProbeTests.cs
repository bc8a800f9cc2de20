using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Runnel.Broker.Quorum;
using Runnel.Metadata.Image;

namespace Runnel.Broker.Tests.Lifecycle;

/// <summary>The controller's check that a broker's process is gone: its address refuses connections (real loopback sockets).</summary>
public sealed class AddressProbeTests
{
    [Fact]
    public async Task An_address_that_listens_is_not_gone_and_one_that_refuses_is()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var broker = new BrokerRegistration(4, 1, Guid.NewGuid(), [new BrokerEndpoint("PLAINTEXT", "127.0.0.1", port, 0)], null, false);
        try
        {
            Assert.False(await AddressProbe.RefusesConnectionsAsync(broker, TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None));
        }
        finally
        {
            listener.Stop();
        }
        // Nothing listens on the port now: the connection is refused.
        Assert.True(await AddressProbe.RefusesConnectionsAsync(broker, TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None));
        // A broker with no endpoints is never taken for gone.
        Assert.False(await AddressProbe.RefusesConnectionsAsync(broker with { Endpoints = ImmutableArray<BrokerEndpoint>.Empty }, TimeSpan.FromSeconds(5),
            TimeProvider.System, CancellationToken.None));
    }
}
