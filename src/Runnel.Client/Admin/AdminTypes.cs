using Runnel.Protocol;

namespace Runnel.Client.Admin;

/// <summary>A topic to create. -1 partitions or replication factor lets the broker apply its defaults (CreateTopics v4+).</summary>
public sealed record NewTopic(string Name, int Partitions = -1, short ReplicationFactor = -1)
{
    /// <summary>Topic configs (retention.ms, cleanup.policy, …) to set at creation.</summary>
    public IReadOnlyDictionary<string, string> Configs { get; init; } = new Dictionary<string, string>();
}

/// <summary>A topic with its partitions as Metadata and ListOffsets describe them.</summary>
public sealed record TopicDescription(string Name, Guid TopicId, bool IsInternal, IReadOnlyList<PartitionDescription> Partitions);

/// <summary>
/// A partition: its leader (-1 when it has none that clients can reach), replicas and in-sync replicas, and (when
/// asked for) the earliest offset still stored and the latest offset, which is the next offset to be written (the
/// high watermark).
/// </summary>
public sealed record PartitionDescription(int Partition, int Leader, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr)
{
    /// <summary>The leader's epoch (-1 when the broker does not say, Metadata before v7).</summary>
    public int LeaderEpoch { get; init; } = -1;

    /// <summary>
    /// Replicas on brokers that are not alive (unregistered, fenced, or without the client's listener), from Metadata
    /// v5+'s offline_replicas; empty when every replica's broker is up.
    /// </summary>
    public IReadOnlyList<int> OfflineReplicas { get; init; } = [];

    /// <summary>Fewer in-sync replicas than replicas (kafka-topics' --under-replicated-partitions, ignoring reassignments).</summary>
    public bool IsUnderReplicated => Isr.Count < Replicas.Count;

    /// <summary>No leader (kafka-topics' --unavailable-partitions).</summary>
    public bool HasLeader => Leader >= 0;

    public long? EarliestOffset { get; init; }

    public long? LatestOffset { get; init; }

    /// <summary>How many records the partition holds now, when both offsets are known.</summary>
    public long? RecordCount => LatestOffset - EarliestOffset;
}

/// <summary>Where a config value comes from (DescribeConfigs v1+ config_source).</summary>
public enum ConfigSource : sbyte
{
    Unknown = 0,
    DynamicTopic = 1,
    DynamicBroker = 2,
    DynamicDefaultBroker = 3,
    StaticBroker = 4,
    Default = 5,
    DynamicBrokerLogger = 6,
}

/// <summary>One config of a topic or broker; sensitive values come back as null.</summary>
public sealed record ConfigEntry(string Name, string? Value, ConfigSource Source, bool IsReadOnly, bool IsSensitive)
{
    /// <summary>True when the value was set on the topic itself rather than inherited from the broker or Kafka's default.</summary>
    public bool IsTopicOverride => Source == ConfigSource.DynamicTopic;
}

/// <summary>IncrementalAlterConfigs operations.</summary>
public enum ConfigOperation : sbyte
{
    Set = 0,
    Delete = 1,
    Append = 2,
    Subtract = 3,
}

/// <summary>One change to a config: set a value, delete it (back to the default), or append/subtract list items.</summary>
public sealed record ConfigChange(string Name, ConfigOperation Operation, string? Value = null)
{
    public static ConfigChange Set(string name, string value) => new(name, ConfigOperation.Set, value);

    public static ConfigChange Delete(string name) => new(name, ConfigOperation.Delete);
}

/// <summary>A version range a broker advertises for one API.</summary>
public sealed record ApiVersionRange(ApiKey Key, string Name, short MinVersion, short MaxVersion);

/// <summary>The cluster's id, controller and brokers, and the API ranges of the broker that answered.</summary>
public sealed record ClusterDescription(string? ClusterId, int ControllerId, IReadOnlyList<BrokerNode> Brokers)
{
    public IReadOnlyList<ApiVersionRange> ApiVersions { get; init; } = [];
}
