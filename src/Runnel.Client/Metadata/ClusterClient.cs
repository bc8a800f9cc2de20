using Runnel.Client.Network;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Metadata;

/// <summary>
/// What the producer, consumer and admin client share: one connection per broker (opened on first use and reopened
/// after it dies), a bootstrap connection used until node ids are known, and the metadata cache.
/// </summary>
internal sealed partial class ClusterClient : IAsyncDisposable
{
    private readonly ClientOptions _options;
    private readonly IReadOnlyList<(string Host, int Port)> _bootstrap;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly SemaphoreSlim _metadataLock = new(1, 1);
    private readonly Dictionary<int, BrokerConnection> _nodes = [];
    private readonly TimeProvider _time;
    private BrokerConnection? _bootstrapConnection;
    private ClusterMetadata _metadata = ClusterMetadata.Empty;
    private int _nextBootstrap;
    private bool _disposed;

    public ClusterClient(ClientOptions options, TimeProvider? time = null)
    {
        _options = options;
        _bootstrap = options.ParseBootstrapServers();
        _time = time ?? TimeProvider.System;
    }

    public ClientOptions Options => _options;

    /// <summary>The clock retries and deadlines are measured with.</summary>
    public TimeProvider Time => _time;

    public ClusterMetadata Metadata => Volatile.Read(ref _metadata);

    /// <summary>A live connection to any broker: a known node's, else the bootstrap one, else a new bootstrap connection.</summary>
    public async Task<BrokerConnection> AnyAsync(CancellationToken cancellationToken)
    {
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var node in _nodes.Values)
            {
                if (node.IsAlive)
                    return node;
            }
            if (_bootstrapConnection is { IsAlive: true })
                return _bootstrapConnection;
            var failures = new List<string>();
            for (var i = 0; i < _bootstrap.Count; i++)
            {
                var (host, port) = _bootstrap[_nextBootstrap++ % _bootstrap.Count];
                try
                {
                    _bootstrapConnection = await BrokerConnection.ConnectAsync(host, port, -1, _options, cancellationToken, _time).ConfigureAwait(false);
                    return _bootstrapConnection;
                }
                catch (RunnelException e)
                {
                    failures.Add(e.Message);
                }
            }
            throw new BrokerConnectionException($"No bootstrap server answered ({_options.BootstrapServers}): {string.Join("; ", failures)}");
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>The connection to a broker by node id, opened from the advertised host and port when needed.</summary>
    public async Task<BrokerConnection> NodeAsync(int nodeId, CancellationToken cancellationToken)
    {
        if (!Metadata.Brokers.ContainsKey(nodeId))
            await RefreshAsync(topics: [], allowAutoCreate: false, cancellationToken).ConfigureAwait(false);
        var broker = Metadata.Brokers.GetValueOrDefault(nodeId)
            ?? throw new RunnelException(ErrorCode.BrokerNotAvailable, $"Broker {nodeId} is not in the cluster's metadata.");
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_nodes.TryGetValue(nodeId, out var existing))
            {
                if (existing.IsAlive)
                    return existing;
                await existing.DisposeAsync().ConfigureAwait(false);
                _nodes.Remove(nodeId);
            }
            var connection = await BrokerConnection.ConnectAsync(broker.Host, broker.Port, nodeId, _options, cancellationToken, _time).ConfigureAwait(false);
            _nodes[nodeId] = connection;
            return connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>The controller (where CreateTopics and DeleteTopics go), or any broker when none is named.</summary>
    public async Task<BrokerConnection> ControllerAsync(CancellationToken cancellationToken)
    {
        var metadata = await RefreshAsync(topics: [], allowAutoCreate: false, cancellationToken).ConfigureAwait(false);
        return metadata.Brokers.ContainsKey(metadata.ControllerId)
            ? await NodeAsync(metadata.ControllerId, cancellationToken).ConfigureAwait(false)
            : await AnyAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _connectLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var node in _nodes.Values)
                await node.DisposeAsync().ConfigureAwait(false);
            _nodes.Clear();
            if (_bootstrapConnection is not null)
                await _bootstrapConnection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _connectLock.Release();
        }
    }
}
