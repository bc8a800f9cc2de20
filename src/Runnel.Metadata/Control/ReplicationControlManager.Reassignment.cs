using System.Collections.Immutable;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>
/// Partition reassignments in Kafka's KRaft model (ReplicationControlManager.alterPartitionReassignments with
/// PartitionReassignmentReplicas and PartitionReassignmentRevert). Starting one is a PartitionChangeRecord whose
/// replicas are the target followed by the current replicas not in it, with adding (target − current) and removing
/// (current − target); the added replicas start as followers and catch up, their leader adds them to the ISR, and the
/// AlterPartition that makes every target replica in sync completes it (<see cref="PartitionChangeBuilder"/>: replicas
/// become the target, the ISR loses the removed ones, and a removed leader hands over). A reassignment that needs no
/// new replica in sync (a reorder, a shrink) completes in the same record.
/// </summary>
public static partial class ReplicationControlManager
{
    /// <summary>
    /// AlterPartitionReassignments: per partition, a target replica list starts (or replaces) a reassignment, a null
    /// one cancels it. Errors, each leaving its partition unchanged: UNKNOWN_TOPIC_OR_PARTITION; an empty target, an
    /// unregistered broker or one named twice, INVALID_REPLICA_ASSIGNMENT; a cancel with none in progress,
    /// NO_REASSIGNMENT_IN_PROGRESS; a cancel that would leave no in-sync replica while the topic does not allow unclean
    /// elections, INVALID_REPLICA_ASSIGNMENT.
    /// </summary>
    public static ControllerResult<AlterPartitionReassignmentsResponse> AlterPartitionReassignments(MetadataImage image,
        AlterPartitionReassignmentsRequest request, ReplicationPolicy policy)
    {
        var records = new List<IKafkaMessage>();
        var response = new AlterPartitionReassignmentsResponse { ErrorMessage = null };
        foreach (var topic in request.Topics)
        {
            var topicReply = new AlterPartitionReassignmentsResponse.ReassignableTopicResponse { Name = topic.Name };
            response.Responses.Add(topicReply);
            foreach (var target in topic.Partitions)
            {
                var error = Reassign(image, topic.Name, target, policy, records);
                topicReply.Partitions.Add(new AlterPartitionReassignmentsResponse.ReassignablePartitionResponse
                {
                    PartitionIndex = target.PartitionIndex,
                    ErrorCode = (short)error.Error,
                    ErrorMessage = error.Message,
                });
            }
        }
        return new(records, response);
    }

    private static ApiError Reassign(MetadataImage image, string topicName, AlterPartitionReassignmentsRequest.ReassignablePartition target,
        ReplicationPolicy policy, List<IKafkaMessage> records)
    {
        if (image.Topics.Find(topicName) is not { } topic)
            return new ApiError(ErrorCode.UnknownTopicOrPartition, $"Unable to find a topic named {topicName}.");
        if (topic.Partitions.GetValueOrDefault(target.PartitionIndex) is not { } partition)
            return new ApiError(ErrorCode.UnknownTopicOrPartition, $"Unable to find partition {topicName}:{target.PartitionIndex}.");
        // The same partition named twice in one request: the second decides on the first's outcome.
        partition = records.OfType<PartitionChangeRecord>().Where(r => r.TopicId == topic.Id && r.PartitionId == partition.Id)
            .Aggregate(partition, (p, r) => p.Merge(r));
        PartitionChangeRecord? record;
        if (target.Replicas is null)
        {
            if (!partition.IsReassigning)
                return new ApiError(ErrorCode.NoReassignmentInProgress, "No partition reassignment is in progress for this topic partition.");
            var unclean = policy.UncleanLeaderElection(image, topicName);
            var revert = Revert(partition);
            if (revert.Unclean && !unclean)
            {
                return new ApiError(ErrorCode.InvalidReplicaAssignment,
                    $"Unable to revert partition assignment for {topicName}:{partition.Id} because it would require an unclean leader election.");
            }
            record = new PartitionChangeBuilder(topic.Id, partition, image.Cluster.IsActive)
            {
                TargetReplicas = revert.Replicas,
                TargetIsr = revert.Isr,
                TargetAdding = [],
                TargetRemoving = [],
                Election = unclean ? LeaderElection.Unclean : LeaderElection.Online,
            }.Build();
        }
        else
        {
            if (ValidateAssignment(image.Cluster, target.Replicas) is { } invalid)
                return invalid;
            var (replicas, adding, removing) = Plan(partition.Replicas, [.. target.Replicas]);
            record = new PartitionChangeBuilder(topic.Id, partition, image.Cluster.IsActive)
            {
                TargetReplicas = replicas,
                TargetAdding = adding,
                TargetRemoving = removing,
            }.Build();
        }
        if (record is not null)
            records.Add(record);
        return ApiError.None;
    }

    /// <summary>
    /// Kafka's PartitionReassignmentReplicas: removing = current − target, adding = target − current, replicas = the
    /// target followed by the removing ones (the target's first is the preferred leader).
    /// </summary>
    internal static (ImmutableArray<int> Replicas, ImmutableArray<int> Adding, ImmutableArray<int> Removing) Plan(ImmutableArray<int> current, ImmutableArray<int> target)
    {
        var removing = current.Where(r => !target.Contains(r)).ToImmutableArray();
        var adding = target.Where(r => !current.Contains(r)).ToImmutableArray();
        return (target.AddRange(removing), adding, removing);
    }

    /// <summary>
    /// Kafka's PartitionReassignmentRevert: the replicas without the ones being added (those being removed stay), the ISR
    /// without them too; when that leaves no in-sync replica, the first remaining replica is the ISR (unclean).
    /// </summary>
    internal static (ImmutableArray<int> Replicas, ImmutableArray<int> Isr, bool Unclean) Revert(PartitionImage partition)
    {
        var replicas = partition.Replicas.Where(r => !partition.Adding.Contains(r)).ToImmutableArray();
        var isr = partition.Isr.Where(r => !partition.Adding.Contains(r)).ToImmutableArray();
        return isr.IsEmpty ? (replicas, [replicas[0]], true) : (replicas, isr, false);
    }

    /// <summary>
    /// ListPartitionReassignments: the partitions being reassigned (replicas, adding, removing), of every topic when
    /// <paramref name="topics"/> is null; topics and partitions that do not exist or are not being reassigned are left
    /// out, and so is a topic with none listed.
    /// </summary>
    public static ListPartitionReassignmentsResponse ListPartitionReassignments(MetadataImage image,
        IReadOnlyList<ListPartitionReassignmentsRequest.ListPartitionReassignmentsTopics>? topics)
    {
        var response = new ListPartitionReassignmentsResponse { ErrorMessage = null };
        var wanted = topics is null
            ? image.Topics.ByName.Values.Select(t => (Topic: (TopicImage?)t, Partitions: (IEnumerable<int>)t.Partitions.Keys))
            : topics.Select(t => (Topic: image.Topics.Find(t.Name), Partitions: (IEnumerable<int>)t.PartitionIndexes));
        foreach (var (topic, partitions) in wanted)
        {
            if (topic is null)
                continue;
            var ongoing = new ListPartitionReassignmentsResponse.OngoingTopicReassignment { Name = topic.Name };
            foreach (var id in partitions)
            {
                if (topic.Partitions.GetValueOrDefault(id) is not { IsReassigning: true } partition)
                    continue;
                ongoing.Partitions.Add(new ListPartitionReassignmentsResponse.OngoingPartitionReassignment
                {
                    PartitionIndex = id,
                    Replicas = [.. partition.Replicas],
                    AddingReplicas = [.. partition.Adding],
                    RemovingReplicas = [.. partition.Removing],
                });
            }
            if (ongoing.Partitions.Count > 0)
                response.Topics.Add(ongoing);
        }
        return response;
    }
}
