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
    private bool _http;

    private BrokerFixture(string dataDir, Dictionary<string, string> overrides)
    {
        DataDir = dataDir;
        _overrides = overrides;
    }

    public string DataDir { get; }

    public RunnelBroker Broker { get; private set; } = null!;

    public string Bootstrap => Broker.BootstrapServers;

    /// <summary>The HTTP listener, when started with <c>http: true</c> (on a free port of 127.0.0.1); else null.</summary>
    public Http.RunnelHttpHost? Http { get; private set; }

    /// <summary>The HTTP listener's base address, e.g. http://127.0.0.1:40123.</summary>
    public Uri HttpAddress => new(Http?.Urls[0] ?? throw new InvalidOperationException("started without http: true"));

    /// <param name="http">Also run the HTTP listener (/metrics, /health, /ready) on a free port; off by default.</param>
    public static async Task<BrokerFixture> StartAsync(IReadOnlyDictionary<string, string>? overrides = null, bool http = false)
    {
        var dir = Path.Combine(Path.GetTempPath(), "runnel-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var fixture = new BrokerFixture(dir, new Dictionary<string, string>(overrides ?? new Dictionary<string, string>())) { _http = http };
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
        if (_http)
            settings["runnel.http.listeners"] = "http://127.0.0.1:0";
        foreach (var (key, value) in _overrides)
            settings[key] = value;
        Http = _http ? new Http.RunnelHttpHost(TestLogging.Factory) : null;
        Broker = await RunnelBroker.StartAsync(BrokerConfig.Create(settings), Http is null ? [] : [Http], TestLogging.Factory).ConfigureAwait(false);
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
