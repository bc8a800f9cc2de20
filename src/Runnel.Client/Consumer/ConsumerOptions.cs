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
    /// Consumer group to join (group.id). Not supported yet: group membership arrives with the consumer-groups work;
    /// until then a consumer reads the partitions it is assigned.
    /// </summary>
    public string? GroupId { get; set; }

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
