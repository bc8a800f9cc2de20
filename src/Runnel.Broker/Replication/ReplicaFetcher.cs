using Microsoft.Extensions.Logging;
using Runnel.Broker.Partitions;
using Runnel.Net;
using Runnel.Net.Security;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Storage;

namespace Runnel.Broker.Replication;

/// <summary>How a follower fetches (Kafka's replica.fetch.* settings) and where it reaches leaders.</summary>
/// <param name="ListenerName">The leader's listener to fetch from (the inter-broker listener).</param>
/// <param name="Security">How connections to that listener are secured (<see cref="Security.OutboundSecurity"/>).</param>
internal sealed record FetcherSettings(int WaitMaxMs, int MinBytes, int MaxBytes, int ResponseMaxBytes, int BackoffMs, string ListenerName,
    ConnectionSecurity Security);

/// <summary>
/// One follower's fetch loop towards one leader (Kafka's ReplicaFetcherThread): a single connection carrying one Fetch at
/// a time for every partition this node follows there, as a replica (ReplicaState: this broker's id and epoch), long-polled
/// at the leader for replica.fetch.wait.max.ms. Each partition fetches from its log end with its last fetched epoch, so
/// the leader can tell it where its log diverged; what comes back is appended as follower, and the next fetch, which
/// acknowledges it, goes out at once. Fetches go in a KIP-227 session (<see cref="FetchSessionHandler"/>), so once
/// it is open a request lists only the partitions whose position moved and an answer only those with news. Partition errors back off that partition alone (replica.fetch.backoff.ms); a
/// fenced leader epoch parks it until the metadata brings a newer one.
/// </summary>
internal sealed partial class ReplicaFetcher : IAsyncDisposable
{
    private const short FetchVersion = 16;
    private const short ListOffsetsVersion = 8;

    private readonly int _leaderId;
    private readonly int _localId;
    private readonly Quorum.MetadataQuorum _quorum;
    private readonly FetcherSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<TopicPartition, FetchState> _partitions = [];
    private readonly SemaphoreSlim _changed = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly FetchSessionHandler _session = new();
    private KafkaConnection? _connection;

    /// <summary>Where one partition's fetching stands.</summary>
    private sealed class FetchState(Partition partition, int leaderEpoch)
    {
        public Partition Partition { get; } = partition;

        /// <summary>The leader epoch this fetching is for; a response for another is ignored.</summary>
        public int LeaderEpoch { get; } = leaderEpoch;

        public long FetchOffset { get; set; }

        public int LastFetchedEpoch { get; set; } = -1;

        /// <summary>Not fetched before this time (ms) after an error.</summary>
        public long DelayedUntilMs { get; set; }

        /// <summary>Parked until the metadata restarts it (FENCED_LEADER_EPOCH for this very epoch, or a local failure).</summary>
        public bool Parked { get; set; }
    }

    public ReplicaFetcher(int leaderId, int localId, Quorum.MetadataQuorum quorum, FetcherSettings settings, TimeProvider time, ILogger logger)
    {
        _leaderId = leaderId;
        _localId = localId;
        _quorum = quorum;
        _settings = settings;
        _time = time;
        _logger = logger;
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    public int LeaderId => _leaderId;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Starts (or restarts, for a new leader epoch) fetching <paramref name="partition"/> from its log end.</summary>
    public void Add(Partition partition)
    {
        var state = new FetchState(partition, partition.LeaderEpoch);
        InitializeFetchOffset(state);
        lock (_partitions)
            _partitions[partition.TopicPartition] = state;
        _changed.Release();
    }

    /// <summary>Stops fetching <paramref name="partition"/>; true when this fetcher has nothing left to fetch.</summary>
    public bool Remove(Partition partition)
    {
        lock (_partitions)
        {
            if (_partitions.TryGetValue(partition.TopicPartition, out var state) && state.Partition == partition)
                _partitions.Remove(partition.TopicPartition);
            return _partitions.Count == 0;
        }
    }

    /// <summary>
    /// Kafka's initial fetch offset: the log end when the leader epoch cache can guide truncation (or the log is empty);
    /// otherwise the log is first cut to the high watermark, below which it cannot differ from the leader's.
    /// </summary>
    private static void InitializeFetchOffset(FetchState state)
    {
        var partition = state.Partition;
        if (partition.Log.LeaderEpochs.Latest is null && partition.LogEndOffset > partition.HighWatermark)
            partition.TruncateTo(partition.HighWatermark, state.LeaderEpoch);
        state.FetchOffset = partition.LogEndOffset;
        state.LastFetchedEpoch = partition.Log.LeaderEpochs.Latest?.Epoch ?? -1;
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var ready = ReadyPartitions(out var nextReadyMs);
                if (ready.Count == 0)
                {
                    // Nothing to fetch now: wait for a change, or for the earliest backed-off partition.
                    var wait = nextReadyMs is { } at ? TimeSpan.FromMilliseconds(Math.Max(1, at - NowMs)) : Timeout.InfiniteTimeSpan;
                    await WaitForChangeAsync(wait, stopping).ConfigureAwait(false);
                    continue;
                }
                if (await ConnectionAsync(stopping).ConfigureAwait(false) is not { } connection)
                {
                    await BackOffAsync(stopping).ConfigureAwait(false);
                    continue;
                }
                try
                {
                    var response = await connection.SendAsync<FetchResponse>(ApiKey.Fetch, BuildFetch(ready), FetchVersion,
                        TimeSpan.FromMilliseconds(_settings.WaitMaxMs) + TimeSpan.FromSeconds(30), stopping).ConfigureAwait(false);
                    if (!_session.HandleResponse(response))
                    {
                        // A session error (the leader restarted or evicted the session) is answered by a full fetch at once.
                        _logger.LogDebug("Fetch from broker {Leader} failed: {Error}", _leaderId, (ErrorCode)response.ErrorCode);
                        if (response.ErrorCode is not ((short)ErrorCode.FetchSessionIdNotFound or (short)ErrorCode.InvalidFetchSessionEpoch))
                            await BackOffAsync(stopping).ConfigureAwait(false);
                        continue;
                    }
                    await ProcessAsync(connection, ready, response, stopping).ConfigureAwait(false);
                }
                catch (Exception e) when (e is KafkaConnectionException or InvalidDataException)
                {
                    _logger.LogDebug("Fetch connection to broker {Leader} failed: {Message}", _leaderId, e.Message);
                    await DropConnectionAsync().ConfigureAwait(false);
                    await BackOffAsync(stopping).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>The partitions to fetch now; <paramref name="nextReadyMs"/> is when the next backed-off one may go.</summary>
    private List<FetchState> ReadyPartitions(out long? nextReadyMs)
    {
        var now = NowMs;
        nextReadyMs = null;
        lock (_partitions)
        {
            var ready = new List<FetchState>();
            foreach (var state in _partitions.Values)
            {
                if (state.Parked)
                    continue;
                if (state.DelayedUntilMs > now)
                    nextReadyMs = Math.Min(nextReadyMs ?? long.MaxValue, state.DelayedUntilMs);
                else
                    ready.Add(state);
            }
            return ready;
        }
    }

    /// <summary>A fetch for the ready partitions, incremental once the leader holds a session for this fetcher.</summary>
    private FetchRequest BuildFetch(List<FetchState> ready)
    {
        var request = new FetchRequest
        {
            ReplicaState = new FetchRequest.ReplicaStateData { ReplicaId = _localId, ReplicaEpoch = _quorum.Loader.Image.Cluster.Brokers.GetValueOrDefault(_localId)?.Epoch ?? -1 },
            MaxWaitMs = _settings.WaitMaxMs,
            MinBytes = _settings.MinBytes,
            MaxBytes = _settings.ResponseMaxBytes,
        };
        _session.Build(request, ready.Select(s => (s.Partition.TopicId, new FetchRequest.FetchPartition
        {
            Partition = s.Partition.TopicPartition.Partition,
            CurrentLeaderEpoch = s.LeaderEpoch,
            FetchOffset = s.FetchOffset,
            LastFetchedEpoch = s.LastFetchedEpoch,
            LogStartOffset = s.Partition.LogStartOffset,
            PartitionMaxBytes = _settings.MaxBytes,
        })));
        return request;
    }

    private async Task<KafkaConnection?> ConnectionAsync(CancellationToken stopping)
    {
        if (_connection is { IsAlive: true } alive)
            return alive;
        await DropConnectionAsync().ConfigureAwait(false);
        var leader = _quorum.Loader.Image.Cluster.Brokers.GetValueOrDefault(_leaderId);
        var endpoint = leader?.Endpoints.FirstOrDefault(e => e.Name.Equals(_settings.ListenerName, StringComparison.OrdinalIgnoreCase))
            ?? leader?.Endpoints.FirstOrDefault();
        if (endpoint is null)
            return null;
        try
        {
            _connection = await KafkaConnection.ConnectAsync(endpoint.Host, endpoint.Port, new KafkaConnectionOptions
            {
                ClientId = $"runnel-replica-fetcher-{_localId}",
                ConnectTimeout = TimeSpan.FromSeconds(5),
                NegotiateApiVersions = false,
                Security = _settings.Security,
                Time = _time,
            }, stopping).ConfigureAwait(false);
            return _connection;
        }
        catch (KafkaConnectionException e)
        {
            _logger.LogDebug("Replica fetcher cannot reach broker {Leader} at {Host}:{Port}: {Message}", _leaderId, endpoint.Host, endpoint.Port, e.Message);
            return null;
        }
    }

    private async Task DropConnectionAsync()
    {
        var connection = _connection;
        _connection = null;
        _session.Reset();
        if (connection is not null)
            await connection.DisposeAsync().ConfigureAwait(false);
    }

    private Task BackOffAsync(CancellationToken stopping) => WaitForChangeAsync(TimeSpan.FromMilliseconds(_settings.BackoffMs), stopping);

    /// <summary>Until the partitions change or <paramref name="timeout"/> passes (measured by the injected clock).</summary>
    private async Task WaitForChangeAsync(TimeSpan timeout, CancellationToken stopping)
    {
        using var timer = timeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, stopping);
        try
        {
            await _changed.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // The timeout passed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await DropConnectionAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _changed.Dispose();
    }
}
