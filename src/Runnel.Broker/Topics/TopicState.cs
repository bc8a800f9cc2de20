using Runnel.Broker.Partitions;
using Runnel.Protocol;
using Runnel.Storage;

namespace Runnel.Broker.Topics;

/// <summary>
/// A topic as this node knows it: id, partition count and config overrides from the metadata, and the partitions this
/// node hosts (those whose replicas include it); the others are null here.
/// </summary>
internal sealed class TopicState(string name, Guid id, IReadOnlyDictionary<string, string> configs, TopicSettings settings)
{
    private Partition?[] _partitions = [];

    public string Name { get; } = name;

    public Guid Id { get; } = id;

    /// <summary>Configs set on the topic itself (not broker defaults).</summary>
    public IReadOnlyDictionary<string, string> Configs { get; set; } = configs;

    /// <summary>The effective settings (broker defaults overridden by <see cref="Configs"/>), replaced as a whole.</summary>
    public TopicSettings Settings { get; set; } = settings;

    public LogConfig LogConfig => Settings.Log;

    public bool IsInternal => TopicNames.IsInternal(Name);

    /// <summary>How many partitions the topic has (hosted here or not).</summary>
    public int PartitionCount => Volatile.Read(ref _partitions).Length;

    /// <summary>The partitions hosted on this node.</summary>
    public IEnumerable<Partition> Hosted => Volatile.Read(ref _partitions).OfType<Partition>();

    /// <summary>The partition if it exists and this node hosts it; see <see cref="Exists"/> for the difference.</summary>
    public Partition? Partition(int index)
    {
        var partitions = Volatile.Read(ref _partitions);
        return index >= 0 && index < partitions.Length ? partitions[index] : null;
    }

    public bool Exists(int index) => index >= 0 && index < PartitionCount;

    /// <summary>
    /// The partition when this node leads it, as requests that only the leader answers resolve it (Kafka's
    /// getPartitionOrError then the KIP-320 check): UNKNOWN_TOPIC_OR_PARTITION when it does not exist, NOT_LEADER_OR_FOLLOWER
    /// when it is not hosted or not led here, FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH when
    /// <paramref name="currentLeaderEpoch"/> (-1: not given) is not the leader's.
    /// </summary>
    public static Partition? Leader(TopicState? topic, int index, int currentLeaderEpoch, out ErrorCode error)
    {
        var partition = topic?.Partition(index);
        error = topic is null || !topic.Exists(index) ? ErrorCode.UnknownTopicOrPartition
            : partition is null ? ErrorCode.NotLeaderOrFollower
            : partition.CheckLeaderEpoch(currentLeaderEpoch) is var epochError && epochError != ErrorCode.None ? epochError
            : !partition.IsLeader ? ErrorCode.NotLeaderOrFollower
            : ErrorCode.None;
        return error == ErrorCode.None ? partition : null;
    }

    /// <summary>Replaced as a whole, so readers never see a half-built array.</summary>
    public void SetPartitions(Partition?[] partitions) => Volatile.Write(ref _partitions, partitions);
}
