using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Broker.Configuration;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Security;
using Runnel.Broker.Transport;

namespace Runnel.Broker;

/// <summary>
/// A running broker. The `runnel server` command hosts one; tests and .NET applications can start one in-process:
/// <code>await using var broker = await RunnelBroker.StartAsync(config);</code>
/// </summary>
public sealed partial class RunnelBroker : IAsyncDisposable
{
    private readonly BrokerServices _services;
    private readonly List<SocketListener> _listeners;
    private readonly RequestPipeline _pipeline;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, ClientConnection> _connections = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _background = [];
    private DataDirectoryLock? _directoryLock;
    private Dictionary<string, ListenerSecurity> _security = [];
    private Quorum.BrokerLifecycleManager? _lifecycle;
    private Transactions.InterBrokerConnections? _interBroker;
    private long _nextConnectionId;
    private readonly ConnectionQuotas _connectionQuotas;
    private int _stopRequested;
    private readonly List<IBrokerComponent> _components = [];
    private bool _serving;

    private RunnelBroker(BrokerServices services, List<SocketListener> listeners, RequestPipeline pipeline, ILogger logger)
    {
        _services = services;
        _connectionQuotas = new ConnectionQuotas(services.Config, services.Time);
        _listeners = listeners;
        _pipeline = pipeline;
        _logger = logger;
    }

    public BrokerConfig Config => _services.Config;

    public int NodeId => _services.NodeId;

    public string ClusterId => _services.ClusterId;

    /// <summary>host:port of the first client listener as advertised, for bootstrap.servers.</summary>
    public string BootstrapServers
    {
        get
        {
            var listeners = _services.Config.ClientListeners.Count > 0 ? _services.Config.ClientListeners : _services.Config.Listeners;
            var (host, port) = _services.AdvertisedFor(listeners[0].Name);
            return $"{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}";
        }
    }

    /// <summary>The port each listener actually bound (useful with port 0).</summary>
    public IReadOnlyDictionary<string, int> BoundPorts => _listeners.ToDictionary(l => l.Address.Name, l => l.BoundPort);

    /// <summary>Completes when the broker has stopped.</summary>
    public Task Completion => _stopped.Task;

    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// The meters this broker's instruments are on, for an exporter to listen to: the broker's own (named for this
    /// instance, see <see cref="Metrics.BrokerMetrics"/>) and storage's process-wide one.
    /// </summary>
    public IReadOnlyList<string> MeterNames => [_services.Metrics.Meter.Name, Storage.Metrics.StorageMetrics.MeterName];

    /// <summary>
    /// Whether the node serves: started and not stopping, and for the broker role registered and unfenced in the
    /// metadata it has (for a controller-only node: a quorum leader is known). What /ready answers.
    /// </summary>
    public bool IsReady
    {
        get
        {
            if (!Volatile.Read(ref _serving))
                return false;
            var loader = _services.Quorum.Loader;
            return Config.IsBroker ? loader.Image.Cluster.Unfenced.Any(b => b.Id == NodeId) : loader.LeaderId is not null;
        }
    }

    /// <summary>The open connections as the broker sees them (listener, remote end, principal), for tests in this repository.</summary>
    internal IReadOnlyList<ConnectionInfo> Connections => [.. _connections.Values.Select(c => c.Info)];

    /// <summary>The broker's parts, for tests in this repository.</summary>
    internal BrokerServices Services => _services;

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private void Accept(Socket socket, string listenerName)
    {
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address;
        if (address is not null && !_connectionQuotas.TryAdmit(address))
        {
            _logger.LogWarning("Rejected connection from {Address} on {Listener}: the address already has the configured maximum of {Limit} connections",
                address, listenerName, _connectionQuotas.LimitOf(address));
            socket.Dispose();
            _connectionQuotas.Release(listenerName);
            return;
        }
        var id = Interlocked.Increment(ref _nextConnectionId);
        ClientConnection? connection = null;
        var info = new ConnectionInfo(id, socket.RemoteEndPoint, listenerName) { Close = reason => connection?.Close(reason) };
        var config = _services.Config;
        var queued = config.GetLong("queued.max.request.bytes");
        connection = new ClientConnection(socket, info, _security[listenerName], _pipeline, config.SocketRequestMaxBytes,
            queued > 0 ? queued : 2L * config.SocketRequestMaxBytes, _logger, _services.Time, _stopping.Token);
        _connections[id] = connection;
        _ = RunConnectionAsync(connection);
    }

    private async Task RunConnectionAsync(ClientConnection connection)
    {
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Connection {Id} failed", connection.Info.Id);
        }
        finally
        {
            _connections.TryRemove(connection.Info.Id, out _);
            if (connection.Info.Remote is IPEndPoint remote)
                _connectionQuotas.Release(remote.Address);
            _connectionQuotas.Release(connection.Info.ListenerName);
        }
    }

    /// <summary>Closes connections idle longer than connections.max.idle.ms, as Kafka's selector does.</summary>
    private async Task SweepIdleConnectionsAsync(CancellationToken stopping)
    {
        var idleLimit = _services.Config.GetLong("connections.max.idle.ms");
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(idleLimit / 4, 10, 10_000)), _services.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                foreach (var connection in _connections.Values)
                {
                    if (!connection.IsBusy && connection.IdleMilliseconds > idleLimit)
                        connection.Close($"idle for more than {idleLimit} ms (connections.max.idle.ms)");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
