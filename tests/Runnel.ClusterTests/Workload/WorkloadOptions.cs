namespace Runnel.ClusterTests.Workload;

/// <summary>The shape of a workload: who writes how fast to which partitions, and who reads.</summary>
public sealed record WorkloadOptions(string Bootstrap, string Topic)
{
    public int Partitions { get; init; } = 3;

    /// <summary>The topic's replication factor (1: one node, or a broker-only node's lone copy).</summary>
    public short ReplicationFactor { get; init; } = 1;

    /// <summary>Topic configs set at creation (min.insync.replicas for a replicated topic).</summary>
    public IReadOnlyDictionary<string, string> TopicConfigs { get; init; } = new Dictionary<string, string>();

    public int Producers { get; init; } = 2;

    /// <summary>Consumers reading every partition from the beginning while the faults run.</summary>
    public int Consumers { get; init; } = 2;

    /// <summary>enable.idempotence; off only where the cluster cannot allocate producer ids (then duplicates are allowed).</summary>
    public bool Idempotence { get; init; } = true;

    /// <summary>A cap per producer, so the clients leave the two cores to the nodes: faults, not starvation, are tested.</summary>
    public int RecordsPerSecond { get; init; } = 300;

    /// <summary>Unacknowledged sends per producer at once.</summary>
    public int MaxPending { get; init; } = 50;

    /// <summary>message.timeout.ms: how long librdkafka retries a send before giving up (longer than any planned outage).</summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
