using Microsoft.Extensions.Logging;
using Runnel.Broker;
using Runnel.Broker.Configuration;

namespace Runnel.IntegrationTests.Fixtures;

/// <summary>
/// An in-process broker on a free loopback port with a temporary data directory, as real clients see it over TCP.
/// Restart keeps the directory, so tests can check what survives.
/// </summary>
public sealed class BrokerFixture : IAsyncDisposable
{
    private readonly Dictionary<string, string> _overrides;

    private BrokerFixture(string dataDir, Dictionary<string, string> overrides)
    {
        DataDir = dataDir;
        _overrides = overrides;
    }

    public string DataDir { get; }

    public RunnelBroker Broker { get; private set; } = null!;

    public string Bootstrap => Broker.BootstrapServers;

    public static async Task<BrokerFixture> StartAsync(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "runnel-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var fixture = new BrokerFixture(dir, new Dictionary<string, string>(overrides ?? new Dictionary<string, string>()));
        await fixture.StartBrokerAsync().ConfigureAwait(false);
        return fixture;
    }

    private async Task StartBrokerAsync(int port = 0)
    {
        var settings = new Dictionary<string, string>
        {
            ["listeners"] = $"PLAINTEXT://127.0.0.1:{port}",
            ["log.dirs"] = DataDir,
            ["group.initial.rebalance.delay.ms"] = "0",
        };
        foreach (var (key, value) in _overrides)
            settings[key] = value;
        Broker = await RunnelBroker.StartAsync(BrokerConfig.Create(settings), TestLogging.Factory).ConfigureAwait(false);
    }

    /// <summary>Stops cleanly and starts again on the same port and data.</summary>
    public async Task RestartAsync()
    {
        var port = Broker.BoundPorts["PLAINTEXT"];
        await Broker.StopAsync().ConfigureAwait(false);
        await StartBrokerAsync(port).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.StopAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class TestLogging
{
    /// <summary>Warnings and errors only, so failing tests show what the broker complained about.</summary>
    public static ILoggerFactory Factory { get; } = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddProvider(new StderrLoggerProvider()));
}
