using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>A topic to create: partitions and replication factor, or explicit replica lists per partition.</summary>
public sealed record NewTopic(string Name, int Partitions, short ReplicationFactor, IReadOnlyDictionary<string, string> Configs,
    IReadOnlyList<IReadOnlyList<int>>? Assignments = null);

/// <summary>
/// Topics and partitions (Kafka's ReplicationControlManager): decides creations, deletions and partition growth
/// against an image and says them as records. Name syntax and config values are checked by the caller, which knows
/// the broker's config definitions; this checks what needs the whole cluster's view.
/// </summary>
public static class ReplicationControlManager
{
    public static ControllerResult<(ApiError Error, Guid TopicId)> CreateTopic(MetadataImage image, NewTopic topic, IReadOnlyList<int> brokers, Func<Guid> newId)
    {
        if (image.Topics.Find(topic.Name) is not null)
            return Of(new ApiError(ErrorCode.TopicAlreadyExists, $"Topic '{topic.Name}' already exists."));
        var collision = image.Topics.ByName.Keys.FirstOrDefault(t => CollisionKey(t) == CollisionKey(topic.Name));
        if (collision is not null)
            return Of(new ApiError(ErrorCode.InvalidTopicException, $"Topic '{topic.Name}' collides with existing topic: {collision}."));
        if (Place(topic, brokers) is not { } assignments)
            return Of(new ApiError(ErrorCode.InvalidReplicationFactor, $"Replication factor: {topic.ReplicationFactor} larger than available brokers: {brokers.Count}."));
        if (assignments.Count == 0)
            return Of(new ApiError(ErrorCode.InvalidPartitions, $"Number of partitions must be at least 1, was {topic.Partitions}."));
        if (assignments.SelectMany(a => a).Any(b => !brokers.Contains(b)) || assignments.Any(a => a.Distinct().Count() != a.Count))
            return Of(new ApiError(ErrorCode.InvalidReplicaAssignment, $"Replica assignments may only name distinct registered brokers ({string.Join(',', brokers)})."));
        var id = newId();
        var records = new List<IKafkaMessage> { new TopicRecord { Name = topic.Name, TopicId = id } };
        records.AddRange(assignments.Select((replicas, p) => NewPartition(id, p, replicas)));
        records.AddRange(topic.Configs.Select(c => new ConfigRecord { ResourceType = (sbyte)ConfigResourceType.Topic, ResourceName = topic.Name, Name = c.Key, Value = c.Value }));
        return new(records, (ApiError.None, id));
    }

    public static ControllerResult<ApiError> DeleteTopic(MetadataImage image, string name)
    {
        if (image.Topics.Find(name) is not { } topic)
            return ControllerResult.Of(new ApiError(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist."));
        return new([new RemoveTopicRecord { TopicId = topic.Id }], ApiError.None);
    }

    public static ControllerResult<ApiError> CreatePartitions(MetadataImage image, string name, int total, IReadOnlyList<int> brokers)
    {
        if (image.Topics.Find(name) is not { } topic)
            return ControllerResult.Of(new ApiError(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist."));
        var current = topic.PartitionCount;
        if (total <= current)
            return ControllerResult.Of(new ApiError(ErrorCode.InvalidPartitions, $"Topic currently has {current} partitions, {total} would not be an increase."));
        var factor = topic.Partitions.Values.First().Replicas.Length;
        if (factor > brokers.Count)
            return ControllerResult.Of(new ApiError(ErrorCode.InvalidReplicationFactor, $"Replication factor: {factor} larger than available brokers: {brokers.Count}."));
        var records = Enumerable.Range(current, total - current)
            .Select(p => (IKafkaMessage)NewPartition(topic.Id, p, RoundRobin(p, factor, brokers))).ToList();
        return new(records, ApiError.None);
    }

    private static ControllerResult<(ApiError Error, Guid TopicId)> Of(ApiError error) => ControllerResult.Of((error, Guid.Empty));

    /// <summary>The replicas of each partition: the explicit assignment, or round-robin over the brokers; null when too few brokers.</summary>
    private static List<IReadOnlyList<int>>? Place(NewTopic topic, IReadOnlyList<int> brokers)
    {
        if (topic.Assignments is { Count: > 0 } explicitReplicas)
            return [.. explicitReplicas];
        if (topic.ReplicationFactor > brokers.Count)
            return null;
        return [.. Enumerable.Range(0, Math.Max(0, topic.Partitions)).Select(p => RoundRobin(p, topic.ReplicationFactor, brokers))];
    }

    private static IReadOnlyList<int> RoundRobin(int partition, int factor, IReadOnlyList<int> brokers)
        => [.. Enumerable.Range(0, factor).Select(r => brokers[(partition + r) % brokers.Count])];

    private static PartitionRecord NewPartition(Guid topicId, int partition, IReadOnlyList<int> replicas) => new()
    {
        TopicId = topicId,
        PartitionId = partition,
        Replicas = [.. replicas],
        Isr = [.. replicas],
        Leader = replicas[0],
        LeaderEpoch = 0,
        PartitionEpoch = 0,
    };

    /// <summary>Kafka treats '.' and '_' as the same in topic names, because metric names cannot tell them apart.</summary>
    public static string CollisionKey(string name) => name.Replace('.', '_');
}
