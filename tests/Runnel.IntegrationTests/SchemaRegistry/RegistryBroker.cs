using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.SchemaRegistry;

/// <summary>One broker with its HTTP listener for a class of registry tests; each test uses subjects of its own.</summary>
public sealed class RegistryBroker : IAsyncLifetime
{
    public BrokerFixture Broker { get; private set; } = null!;

    public string Url => Broker.HttpAddress.ToString();

    public async Task InitializeAsync() => Broker = await BrokerFixture.StartAsync(http: true);

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}
