namespace Runnel.Client.Consumer;

/// <summary>Where to start in a partition with no position, or whose position fell outside the log (auto.offset.reset).</summary>
public enum AutoOffsetReset
{
    Latest,
    Earliest,

    /// <summary>Fail the poll instead of guessing.</summary>
    None,
}

/// <summary>Consumer settings, named after Kafka's consumer configs.</summary>
public sealed class ConsumerOptions : ClientOptions
{
    /// <summary>
    /// Consumer group to join (group.id). With a group, <see cref="RunnelConsumer.Subscribe"/> lets the group
    /// assign partitions, reading starts at the group's committed offsets, and <see cref="RunnelConsumer.CommitAsync"/>
    /// (or auto-commit) stores progress. Without one, the consumer reads the partitions it is assigned.
    /// </summary>
    public string? GroupId { get; set; }

    /// <summary>Static membership (group.instance.id): a restart within the session timeout keeps the partitions.</summary>
    public string? GroupInstanceId { get; set; }

    /// <summary>How long the coordinator waits for a heartbeat before it drops the member (session.timeout.ms).</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the member heartbeats (heartbeat.interval.ms); well under the session timeout.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a rebalance may wait for this member to rejoin (max.poll.interval.ms).</summary>
    public TimeSpan RebalanceTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Commit positions every <see cref="AutoCommitInterval"/>, before a rebalance and on close (enable.auto.commit).</summary>
    public bool EnableAutoCommit { get; set; } = true;

    public TimeSpan AutoCommitInterval { get; set; } = TimeSpan.FromSeconds(5);

    public AutoOffsetReset AutoOffsetReset { get; set; } = AutoOffsetReset.Latest;

    /// <summary>How long the broker may hold a fetch waiting for <see cref="FetchMinBytes"/> (fetch.max.wait.ms).</summary>
    public TimeSpan FetchMaxWait { get; set; } = TimeSpan.FromMilliseconds(500);

    public int FetchMinBytes { get; set; } = 1;

    public int FetchMaxBytes { get; set; } = 50 * 1024 * 1024;

    public int MaxPartitionFetchBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Read only up to the last stable offset (isolation.level=read_committed). Records of aborted transactions are
    /// not filtered out yet; that comes with transaction support.
    /// </summary>
    public bool ReadCommitted { get; set; }

    /// <summary>Check each batch's CRC-32C (check.crcs).</summary>
    public bool CheckCrcs { get; set; } = true;
}
