using Runnel.Broker;
using Runnel.Broker.Configuration;

namespace Runnel.Client.Tests.Support;

/// <summary>
/// A real broker in-process on a free loopback port with a temporary log directory, removed on dispose.
/// <see cref="RestartAsync"/> brings it back on the same port and data, for reconnect tests.
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private readonly string _logDir;
    private readonly string[] _overrides;

    private TestBroker(RunnelBroker broker, string logDir, string[] overrides)
    {
        Broker = broker;
        _logDir = logDir;
        _overrides = overrides;
    }

    public RunnelBroker Broker { get; private set; }

    public string BootstrapServers => Broker.BootstrapServers;

    public static async Task<TestBroker> StartAsync(params string[] overrides)
    {
        var logDir = Directory.CreateTempSubdirectory("runnel-client-test-").FullName;
        return new TestBroker(await StartBrokerAsync(logDir, 0, overrides), logDir, overrides);
    }

    public async Task RestartAsync()
    {
        var port = Broker.BoundPorts.Values.Single();
        await Broker.StopAsync();
        Broker = await StartBrokerAsync(_logDir, port, _overrides);
    }

    private static Task<RunnelBroker> StartBrokerAsync(string logDir, int port, string[] overrides)
        => RunnelBroker.StartAsync(BrokerConfig.Load(null, [$"listeners=PLAINTEXT://127.0.0.1:{port}", $"log.dirs={logDir}", .. overrides]));

    public async ValueTask DisposeAsync()
    {
        await Broker.StopAsync();
        Directory.Delete(_logDir, recursive: true);
    }
}
