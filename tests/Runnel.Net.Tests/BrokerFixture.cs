using Runnel.Client.Tests.Support;

namespace Runnel.Net.Tests;

/// <summary>One real broker in-process (free port, temporary log directory) shared by a test class.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private TestBroker? _broker;

    public string Host { get; private set; } = "";

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        _broker = await TestBroker.StartAsync();
        var endpoint = _broker.BootstrapServers;
        var colon = endpoint.LastIndexOf(':');
        Host = endpoint[..colon];
        Port = int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
            await _broker.DisposeAsync();
    }
}
