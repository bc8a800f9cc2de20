using Runnel.Metadata.Image;
using Runnel.Net;
using Runnel.Net.Security;

namespace Runnel.Broker.Transactions;

/// <summary>
/// One connection per broker on the inter-broker listener (secured as that listener's protocol says), opened on first use and again after it failed, for the
/// transaction traffic between brokers (markers to partition leaders, verification at coordinators).
/// </summary>
internal sealed class InterBrokerConnections(string listenerName, ConnectionSecurity security, string clientId, TimeProvider time) : IAsyncDisposable
{
    private readonly Dictionary<int, (SemaphoreSlim Gate, KafkaConnection? Connection)> _connections = [];
    private bool _disposed;

    /// <summary>The connection to <paramref name="brokerId"/> at its endpoint in <paramref name="image"/>; null when it has none. Throws KafkaConnectionException when it cannot be reached.</summary>
    public async Task<KafkaConnection?> ToAsync(MetadataImage image, int brokerId, CancellationToken cancellation)
    {
        (SemaphoreSlim Gate, KafkaConnection? Connection) entry;
        lock (_connections)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_connections.TryGetValue(brokerId, out entry))
                _connections[brokerId] = entry = (new SemaphoreSlim(1, 1), null);
        }
        await entry.Gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            lock (_connections)
                entry = _connections[brokerId];
            if (entry.Connection is { IsAlive: true } alive)
                return alive;
            if (entry.Connection is { } dead)
                await dead.DisposeAsync().ConfigureAwait(false);
            var broker = image.Cluster.Brokers.GetValueOrDefault(brokerId);
            var endpoint = broker?.Endpoints.FirstOrDefault(e => e.Name.Equals(listenerName, StringComparison.OrdinalIgnoreCase)) ?? broker?.Endpoints.FirstOrDefault();
            KafkaConnection? connection = null;
            try
            {
                if (endpoint is not null)
                {
                    connection = await KafkaConnection.ConnectAsync(endpoint.Host, endpoint.Port, new KafkaConnectionOptions
                    {
                        ClientId = clientId,
                        ConnectTimeout = TimeSpan.FromSeconds(5),
                        NegotiateApiVersions = false,
                        Security = security,
                        Time = time,
                    }, cancellation).ConfigureAwait(false);
                }
            }
            finally
            {
                lock (_connections)
                    _connections[brokerId] = (entry.Gate, connection);
            }
            return connection;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<KafkaConnection> open;
        lock (_connections)
        {
            _disposed = true;
            open = [.. _connections.Values.Select(e => e.Connection).OfType<KafkaConnection>()];
            _connections.Clear();
        }
        foreach (var connection in open)
            await connection.DisposeAsync().ConfigureAwait(false);
    }
}
