namespace Runnel.ClusterTests.Workload;

/// <summary>How a write ended, as the producer reported it.</summary>
public enum WriteStatus
{
    /// <summary>Acknowledged at a partition and offset.</summary>
    Ok,

    /// <summary>Definitely not written (librdkafka: NotPersisted).</summary>
    Failed,

    /// <summary>May or may not have been written (a timeout, a lost connection, still pending at the end).</summary>
    Indeterminate,
}

/// <summary>
/// One write attempt and its outcome. Values are unique per workload, so a value names its write. Times are
/// milliseconds on the scenario's clock (the fault log's), so they line up with the faults.
/// </summary>
public sealed record WriteOp(string Value, int Partition, WriteStatus Status, long Offset, string? Error, double InvokedMs, double CompletedMs);

/// <summary>A record a consumer received while the workload ran.</summary>
public sealed record ReadOp(string Consumer, int Partition, long Offset, string Value, double AtMs);

/// <summary>One record of a partition's log, as read at the end or from a replica's files.</summary>
public sealed record LogEntry(long Offset, string Value);

/// <summary>One replica's copy of every partition, read offline from a node's data directory after it stopped.</summary>
public sealed record ReplicaLog(string Replica, IReadOnlyDictionary<int, IReadOnlyList<LogEntry>> Partitions);

/// <summary>
/// Everything a scenario observed: every write attempt and outcome, every read during the run, a final read of
/// every partition up to its high watermark after the faults healed, and optionally each replica's log.
/// </summary>
public sealed record History(
    IReadOnlyList<WriteOp> Writes,
    IReadOnlyList<ReadOp> Reads,
    IReadOnlyDictionary<int, IReadOnlyList<LogEntry>> FinalRead,
    IReadOnlyDictionary<int, long> HighWatermarks,
    IReadOnlyList<ReplicaLog> Replicas,
    int FaultCount);
