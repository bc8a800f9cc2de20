using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>A topic to create: partitions and replication factor, or explicit replica lists per partition.</summary>
public sealed record NewTopic(string Name, int Partitions, short ReplicationFactor, IReadOnlyDictionary<string, string> Configs,
    IReadOnlyList<IReadOnlyList<int>>? Assignments = null);

/// <summary>
/// Topics and partitions (Kafka's ReplicationControlManager): decides creations, deletions, partition growth, ISR
/// changes, leader elections and reassignments against an image and says them as records. Name syntax and config
/// values are checked by the caller, which knows the broker's config definitions; this checks what needs the whole
/// cluster's view.
/// </summary>
public static partial class ReplicationControlManager
{
    /// <summary>
    /// Creates a topic: replicas from <see cref="ReplicaPlacer"/> (or the explicit assignment, whose brokers must be
    /// registered, distinct, and not all fenced), each partition's ISR its active replicas in order and its leader the
    /// first of them, epochs 0.
    /// </summary>
    public static ControllerResult<(ApiError Error, Guid TopicId)> CreateTopic(MetadataImage image, NewTopic topic, Func<Guid> newId)
    {
        if (image.Topics.Find(topic.Name) is not null)
            return Of(new ApiError(ErrorCode.TopicAlreadyExists, $"Topic '{topic.Name}' already exists."));
        var collision = image.Topics.ByName.Keys.FirstOrDefault(t => CollisionKey(t) == CollisionKey(topic.Name));
        if (collision is not null)
            return Of(new ApiError(ErrorCode.InvalidTopicException, $"Topic '{topic.Name}' collides with existing topic: {collision}."));
        List<IReadOnlyList<int>> assignments;
        if (topic.Assignments is { Count: > 0 } explicitReplicas)
        {
            assignments = [.. explicitReplicas];
            for (var p = 0; p < assignments.Count; p++)
            {
                if (ValidateAssignment(image.Cluster, assignments[p]) is { } invalid)
                    return Of(invalid);
                if (!assignments[p].Any(image.Cluster.IsActive))
                    return Of(new ApiError(ErrorCode.InvalidReplicaAssignment, $"All brokers specified in the manual partition assignment for partition {p} are fenced or in controlled shutdown."));
            }
        }
        else
        {
            if (topic.Partitions < 1)
                return Of(new ApiError(ErrorCode.InvalidPartitions, "Number of partitions was set to an invalid non-positive value."));
            var (placed, error) = ReplicaPlacer.Place(image.Cluster, 0, topic.Partitions, topic.ReplicationFactor);
            if (placed is null)
                return Of(error);
            assignments = placed;
        }
        var id = newId();
        var records = new List<IKafkaMessage> { new TopicRecord { Name = topic.Name, TopicId = id } };
        records.AddRange(assignments.Select((replicas, p) => NewPartition(image.Cluster, id, p, replicas)));
        records.AddRange(topic.Configs.Select(c => new ConfigRecord { ResourceType = (sbyte)ConfigResourceType.Topic, ResourceName = topic.Name, Name = c.Key, Value = c.Value }));
        return new(records, (ApiError.None, id));
    }

    public static ControllerResult<ApiError> DeleteTopic(MetadataImage image, string name)
    {
        if (image.Topics.Find(name) is not { } topic)
            return ControllerResult.Of(new ApiError(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist."));
        return new([new RemoveTopicRecord { TopicId = topic.Id }], ApiError.None);
    }

    /// <summary>Grows a topic to <paramref name="total"/> partitions, placed with the replication factor of its first partition.</summary>
    public static ControllerResult<ApiError> CreatePartitions(MetadataImage image, string name, int total)
    {
        if (image.Topics.Find(name) is not { } topic)
            return ControllerResult.Of(new ApiError(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist."));
        var current = topic.PartitionCount;
        if (total <= current)
            return ControllerResult.Of(new ApiError(ErrorCode.InvalidPartitions, $"Topic currently has {current} partitions, {total} would not be an increase."));
        var factor = topic.Partitions.Values.First().Replicas.Length;
        var (placed, error) = ReplicaPlacer.Place(image.Cluster, current, total - current, factor);
        if (placed is null)
            return ControllerResult.Of(error);
        var records = placed.Select((replicas, i) => (IKafkaMessage)NewPartition(image.Cluster, topic.Id, current + i, replicas)).ToList();
        return new(records, ApiError.None);
    }

    private static ControllerResult<(ApiError Error, Guid TopicId)> Of(ApiError error) => ControllerResult.Of((error, Guid.Empty));

    /// <summary>Kafka's validateManualPartitionAssignment: non-empty, registered brokers, each once.</summary>
    internal static ApiError? ValidateAssignment(ClusterImage cluster, IReadOnlyList<int> replicas)
    {
        if (replicas.Count == 0)
            return new ApiError(ErrorCode.InvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.");
        foreach (var id in replicas)
        {
            if (!cluster.Brokers.ContainsKey(id))
                return new ApiError(ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes broker {id}, but no such broker is registered.");
        }
        if (replicas.Distinct().Count() != replicas.Count)
            return new ApiError(ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes the broker {replicas.GroupBy(r => r).First(g => g.Count() > 1).Key} more than once.");
        return null;
    }

    /// <summary>A new partition: its ISR the active replicas in order, led by the first of them, epochs 0.</summary>
    private static PartitionRecord NewPartition(ClusterImage cluster, Guid topicId, int partition, IReadOnlyList<int> replicas)
    {
        var isr = replicas.Where(cluster.IsActive).ToList();
        return new()
        {
            TopicId = topicId,
            PartitionId = partition,
            Replicas = [.. replicas],
            Isr = [.. isr],
            Leader = isr.Count > 0 ? isr[0] : -1,
            LeaderEpoch = 0,
            PartitionEpoch = 0,
        };
    }

    /// <summary>Kafka treats '.' and '_' as the same in topic names, because metric names cannot tell them apart.</summary>
    public static string CollisionKey(string name) => name.Replace('.', '_');
}
