namespace Runnel.Raft;

/// <summary>
/// Timeouts and limits of the quorum, with Kafka's controller.quorum.* defaults. All times are milliseconds of the
/// clock the driver passes in (virtual time in the simulation).
/// </summary>
public sealed record RaftConfig
{
    /// <summary>controller.quorum.election.timeout.ms: how long a node without a leader waits before it campaigns.</summary>
    public int ElectionTimeoutMs { get; init; } = 1000;

    /// <summary>controller.quorum.election.backoff.max.ms: the largest random extra wait before a retry.</summary>
    public int ElectionBackoffMaxMs { get; init; } = 1000;

    /// <summary>controller.quorum.fetch.timeout.ms: a follower that hears nothing from its leader this long campaigns.</summary>
    public int FetchTimeoutMs { get; init; } = 2000;

    /// <summary>controller.quorum.request.timeout.ms: an unanswered request is retried (or given up) after this.</summary>
    public int RequestTimeoutMs { get; init; } = 2000;

    /// <summary>controller.quorum.retry.backoff.ms: the pause before retrying a failed request.</summary>
    public int RetryBackoffMs { get; init; } = 20;

    /// <summary>How long the leader holds a fetch that finds no new data (long poll).</summary>
    public int FetchMaxWaitMs { get; init; } = 500;

    /// <summary>The most bytes of batches one fetch response carries.</summary>
    public int FetchMaxBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>The most bytes of a snapshot one FetchSnapshot response carries.</summary>
    public int SnapshotChunkBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Check-quorum: a leader that has not been fetched from by a majority (itself included) within this long
    /// resigns. Kafka uses 1.5 fetch timeouts so a follower's own timeout fires first (KAFKA-15489).
    /// </summary>
    public int CheckQuorumTimeoutMs => FetchTimeoutMs * 3 / 2;

    /// <summary>The cluster id carried in requests; requests from another cluster are refused. Null accepts any.</summary>
    public string? ClusterId { get; init; }
}
