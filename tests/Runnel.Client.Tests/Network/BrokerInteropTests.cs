using Runnel.Client.Network;
using Runnel.Client.Tests.Support;
using Runnel.Protocol;

namespace Runnel.Client.Tests.Network;

/// <summary>The client against the real broker, in-process.</summary>
public class BrokerInteropTests
{
    [Fact]
    public async Task Negotiates_api_versions_with_the_broker()
    {
        await using var broker = await TestBroker.StartAsync();
        var (host, port) = Endpoints.Parse(broker.BootstrapServers);
        await using var connection = await BrokerConnection.ConnectAsync(host, port, -1, new ClientOptions(), CancellationToken.None);

        Assert.True(connection.IsAlive);
        Assert.Equal(4, connection.Versions.Negotiate(ApiKey.ApiVersions));
    }
}
