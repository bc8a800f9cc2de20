namespace Runnel.Storage;

/// <summary>When an append counts as stored, for acks=all.</summary>
public enum DurabilityMode
{
    /// <summary>
    /// Kafka's model: acknowledged once in the page cache; fsync by flush.messages / flush.ms, or never. Survives a
    /// process crash, not a power loss (replication covers that in a cluster).
    /// </summary>
    PageCache,

    /// <summary>
    /// Acknowledged only after an fsync that covers the append; one fsync thread serves every partition (Redpanda's
    /// default for acks=all). Survives power loss on a single node. Our default for acks=all.
    /// </summary>
    GroupCommit,
}
