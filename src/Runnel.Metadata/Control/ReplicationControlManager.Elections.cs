using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>A partition named by topic name and index, as ElectLeaders and reassignments name them.</summary>
public readonly record struct PartitionName(string Topic, int Partition);

/// <summary>ElectLeaders, decided as Kafka's ReplicationControlManager.electLeaders does.</summary>
public static partial class ReplicationControlManager
{
    /// <summary>ElectLeaders' ElectionType: 0 PREFERRED (the only one before v1), 1 UNCLEAN.</summary>
    public static LeaderElection? ElectionOf(sbyte electionType) => electionType switch
    {
        0 => LeaderElection.Preferred,
        1 => LeaderElection.Unclean,
        _ => null,
    };

    /// <summary>
    /// ElectLeaders: PREFERRED moves leadership to the first replica when it is in sync and may lead
    /// (ELECTION_NOT_NEEDED when it leads already, PREFERRED_LEADER_NOT_AVAILABLE when it cannot); UNCLEAN elects a
    /// leader for a partition without one, out of sync if need be (ELECTION_NOT_NEEDED when it has one,
    /// ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica may lead); UNKNOWN_TOPIC_OR_PARTITION for a topic or partition
    /// that does not exist. Each elected partition is one PartitionChangeRecord (a new leader, so a new leader epoch).
    /// Null <paramref name="topics"/> means every partition of every topic (one result per topic, in name order),
    /// leaving out those that need no election.
    /// </summary>
    public static ControllerResult<ElectLeadersResponse> ElectLeaders(MetadataImage image, LeaderElection election,
        IReadOnlyList<ElectLeadersRequest.TopicPartitionsData>? topics)
    {
        var records = new List<IKafkaMessage>();
        var response = new ElectLeadersResponse();
        if (topics is null)
        {
            foreach (var topic in image.Topics.ByName.Values)
            {
                var result = new ElectLeadersResponse.ReplicaElectionResult { Topic = topic.Name };
                response.ReplicaElectionResults.Add(result);
                foreach (var partition in topic.Partitions.Keys)
                {
                    var error = ElectOne(image, election, new PartitionName(topic.Name, partition), records);
                    if (error.Error != ErrorCode.ElectionNotNeeded)
                        result.PartitionResult.Add(Result(partition, error));
                }
            }
            return new(records, response);
        }
        foreach (var topic in topics)
        {
            var result = new ElectLeadersResponse.ReplicaElectionResult { Topic = topic.Topic };
            response.ReplicaElectionResults.Add(result);
            foreach (var partition in topic.Partitions)
                result.PartitionResult.Add(Result(partition, ElectOne(image, election, new PartitionName(topic.Topic, partition), records)));
        }
        return new(records, response);
    }

    private static ElectLeadersResponse.PartitionResult Result(int partition, ApiError error)
        => new() { PartitionId = partition, ErrorCode = (short)error.Error, ErrorMessage = error.Message };

    private static ApiError ElectOne(MetadataImage image, LeaderElection election, PartitionName name, List<IKafkaMessage> records)
    {
        if (image.Topics.Find(name.Topic) is not { } topic)
            return new ApiError(ErrorCode.UnknownTopicOrPartition, $"No such topic as {name.Topic}");
        if (topic.Partitions.GetValueOrDefault(name.Partition) is not { } partition)
            return new ApiError(ErrorCode.UnknownTopicOrPartition, $"No such partition as {name.Topic}-{name.Partition}");
        // The same partition named twice in one request: the second sees the first's outcome.
        var current = records.OfType<PartitionChangeRecord>().Where(r => r.TopicId == topic.Id && r.PartitionId == partition.Id)
            .Aggregate(partition, (p, r) => p.Merge(r));
        if (election == LeaderElection.Preferred && current.Replicas.Length > 0 && current.Leader == current.Replicas[0])
            return new ApiError(ErrorCode.ElectionNotNeeded, "Leader election not needed for topic partition.");
        if (election == LeaderElection.Unclean && current.Leader >= 0)
            return new ApiError(ErrorCode.ElectionNotNeeded, "Leader election not needed for topic partition.");
        var builder = new PartitionChangeBuilder(topic.Id, current, image.Cluster.IsActive) { Election = election };
        if (builder.Build() is not { } record || record.Leader == PartitionImage.NoLeaderChange || record.Leader == current.Leader)
        {
            return election == LeaderElection.Preferred
                ? new ApiError(ErrorCode.PreferredLeaderNotAvailable, $"Failed to elect leader for partition {name.Topic}-{name.Partition} under strategy PREFERRED")
                : new ApiError(ErrorCode.EligibleLeadersNotAvailable, $"Failed to elect leader for partition {name.Topic}-{name.Partition} under strategy UNCLEAN");
        }
        records.Add(record);
        return ApiError.None;
    }
}
