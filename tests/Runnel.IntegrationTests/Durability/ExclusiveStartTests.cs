using System.Net.Sockets;
using Runnel.Broker;
using Runnel.Broker.Configuration;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Durability;

/// <summary>A second broker can take neither a running broker's data directory nor its port.</summary>
public sealed class ExclusiveStartTests
{
    [Fact]
    public async Task A_second_broker_on_the_same_data_directory_is_refused()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var error = await Assert.ThrowsAsync<ConfigException>(() => RunnelBroker.StartAsync(BrokerConfig.Create(new Dictionary<string, string>
        {
            ["listeners"] = "PLAINTEXT://127.0.0.1:0",
            ["log.dirs"] = broker.DataDir,
        })));
        Assert.Equal("log.dirs", error.Key);
    }

    [Fact]
    public async Task A_second_broker_on_the_same_port_is_refused()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var other = Path.Combine(Path.GetTempPath(), "runnel-test-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await Assert.ThrowsAsync<SocketException>(() => RunnelBroker.StartAsync(BrokerConfig.Create(new Dictionary<string, string>
            {
                ["listeners"] = $"PLAINTEXT://127.0.0.1:{broker.Broker.BoundPorts["PLAINTEXT"]}",
                ["log.dirs"] = other,
            })));
            // Refusing the port also let go of the data directory: a broker can start on it now.
            await using var retry = await RunnelBroker.StartAsync(BrokerConfig.Create(new Dictionary<string, string>
            {
                ["listeners"] = "PLAINTEXT://127.0.0.1:0",
                ["log.dirs"] = other,
            }));
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }
}
