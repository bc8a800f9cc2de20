using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Broker.Partitions;
using Runnel.Broker.Quorum;
using Runnel.Broker.Security;

namespace Runnel.Broker.Replication;

/// <summary>
/// This node's replicas as a set (Kafka's ReplicaManager): it hears every partition's transitions from the metadata
/// (becoming leader or follower, being stopped), runs the follower side (fetching from leaders), expires lagging
/// followers from the ISRs this node leads, and tells partitions which brokers may join an ISR, from the metadata
/// image.
/// </summary>
internal sealed partial class ReplicaManager : IReplicaEligibility, IAsyncDisposable
{
    private readonly BrokerConfig _config;
    private readonly MetadataQuorum _quorum;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<Partition> _leading = [];
    private Task _isrExpiration = Task.CompletedTask;

    public ReplicaManager(BrokerConfig config, MetadataQuorum quorum, TimeProvider time, ILoggerFactory loggers)
    {
        _config = config;
        _quorum = quorum;
        _time = time;
        _logger = loggers.CreateLogger("Runnel.Replication");
        Settings = new ReplicationSettings(config.GetLong("replica.lag.time.max.ms"));
        FetcherSettings = new FetcherSettings(config.GetInt("replica.fetch.wait.max.ms"), config.GetInt("replica.fetch.min.bytes"),
            config.GetInt("replica.fetch.max.bytes"), config.GetInt("replica.fetch.response.max.bytes"), config.GetInt("replica.fetch.backoff.ms"),
            InterBrokerListener(config), OutboundSecurity.ToBrokers(config, InterBrokerListener(config), _logger));
        LeaderThrottle = new ReplicationThrottle(config.GetLong("leader.replication.throttled.rate"), time);
        _alterPartition = new AlterPartitionManager(quorum, config.NodeId, time, _logger);
        IsrChanges = _alterPartition;
    }

    private readonly AlterPartitionManager _alterPartition;

    /// <summary>inter.broker.listener.name when this node has such a listener, else its first client listener.</summary>
    private static string InterBrokerListener(BrokerConfig config)
    {
        var named = config.GetString("inter.broker.listener.name");
        return config.ClientListeners.FirstOrDefault(l => l.Name.Equals(named, StringComparison.OrdinalIgnoreCase))?.Name
            ?? (config.ClientListeners.Count > 0 ? config.ClientListeners[0].Name : named ?? "PLAINTEXT");
    }

    public FetcherSettings FetcherSettings { get; }

    public int LocalId => _config.NodeId;

    public ReplicationSettings Settings { get; }

    /// <summary>leader.replication.throttled.rate, for fetches by replicas a reassignment is adding to partitions led here.</summary>
    public ReplicationThrottle LeaderThrottle { get; }

    /// <summary>Starts the periodic ISR expiration (every replica.lag.time.max.ms / 2, as Kafka schedules it).</summary>
    public void Start()
    {
        var period = TimeSpan.FromMilliseconds(Math.Max(Settings.ReplicaLagTimeMaxMs / 2, 10));
        _isrExpiration = Task.Run(() => ExpireLaggingFollowersAsync(period, _stopping.Token));
    }

    /// <summary>Prepares a partition this node hosts: the eligibility and ISR-change seams.</summary>
    public void Attach(Partition partition)
    {
        partition.Eligibility = this;
        partition.IsrChanges = IsrChanges;
        partition.Settings = Settings;
    }

    /// <summary>
    /// Hears every transition of a hosted partition after the replica manager acted on it, in metadata order, on the
    /// publishing thread (the group coordinator loads and unloads __consumer_offsets partitions this way). Keep it quick.
    /// </summary>
    public event Action<Partition, PartitionTransition>? Transitioned;

    /// <summary>Hears that a partition stopped being hosted here (after <see cref="Partition.Stop"/>).</summary>
    public event Action<Partition>? Stopped;

    /// <summary>A hosted partition changed role (called in metadata order).</summary>
    public void OnTransition(Partition partition, PartitionTransition transition)
    {
        Act(partition, transition);
        Transitioned?.Invoke(partition, transition);
    }

    private void Act(Partition partition, PartitionTransition transition)
    {
        switch (transition)
        {
            case PartitionTransition.BecameLeader:
                lock (_leading)
                    _leading.Add(partition);
                StopFetching(partition);
                _logger.LogInformation("Leading {Partition} in epoch {Epoch}", partition.TopicPartition, partition.LeaderEpoch);
                break;
            case PartitionTransition.BecameFollower:
                lock (_leading)
                    _leading.Remove(partition);
                StartFetching(partition);
                break;
            case PartitionTransition.FollowerUpdated when !IsFetching(partition):
                StartFetching(partition);
                break;
        }
    }

    /// <summary>A partition is no longer hosted here (deleted, or this node was removed from its replicas).</summary>
    public void OnStopped(Partition partition)
    {
        lock (_leading)
            _leading.Remove(partition);
        StopFetching(partition);
        Stopped?.Invoke(partition);
    }

    private bool IsFetching(Partition partition)
    {
        lock (_fetchers)
            return _fetching.ContainsKey(partition);
    }

    public bool IsEligible(int brokerId, long fetchEpoch)
    {
        var broker = _quorum.Loader.Image.Cluster.Brokers.GetValueOrDefault(brokerId);
        return broker is { Fenced: false, InControlledShutdown: false } && (fetchEpoch < 0 || fetchEpoch == broker.Epoch);
    }

    public bool IsStale(int brokerId, long epoch)
        => _quorum.Loader.Image.Cluster.Brokers.GetValueOrDefault(brokerId) is { Fenced: false } broker && broker.Epoch > epoch;

    private async Task ExpireLaggingFollowersAsync(TimeSpan period, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                Partition[] leading;
                lock (_leading)
                    leading = [.. _leading];
                foreach (var partition in leading)
                    partition.MaybeShrinkIsr();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _isrExpiration.ConfigureAwait(false);
        await StopFetchersAsync().ConfigureAwait(false);
        await _alterPartition.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
