namespace Runnel.Broker.Partitions;

/// <summary>The broker's replication timing that partitions apply (Kafka's names).</summary>
/// <param name="ReplicaLagTimeMaxMs">replica.lag.time.max.ms: a follower that has not caught up for this long leaves the ISR.</param>
internal sealed record ReplicationSettings(long ReplicaLagTimeMaxMs)
{
    public static readonly ReplicationSettings Default = new(30_000);
}
