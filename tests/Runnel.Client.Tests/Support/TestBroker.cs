using Runnel.Broker;
using Runnel.Broker.Configuration;

namespace Runnel.Client.Tests.Support;

/// <summary>A real broker in-process on a free loopback port with a temporary log directory, removed on dispose.</summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private readonly string _logDir;

    private TestBroker(RunnelBroker broker, string logDir)
    {
        Broker = broker;
        _logDir = logDir;
    }

    public RunnelBroker Broker { get; }

    public string BootstrapServers => Broker.BootstrapServers;

    public static async Task<TestBroker> StartAsync(params string[] overrides)
    {
        var logDir = Directory.CreateTempSubdirectory("runnel-client-test-").FullName;
        var config = BrokerConfig.Load(null, [
            "listeners=PLAINTEXT://127.0.0.1:0",
            $"log.dirs={logDir}",
            .. overrides,
        ]);
        return new TestBroker(await RunnelBroker.StartAsync(config), logDir);
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.StopAsync();
        Directory.Delete(_logDir, recursive: true);
    }
}
