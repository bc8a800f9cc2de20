using System.Collections.Immutable;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>AlterPartition: a partition leader's ISR change, validated and committed as Kafka's controller does.</summary>
public static partial class ReplicationControlManager
{
    /// <summary>
    /// Checks in Kafka's order: the sender's broker epoch (top-level STALE_BROKER_EPOCH), then per partition the topic
    /// (UNKNOWN_TOPIC_ID by id from v2, UNKNOWN_TOPIC_OR_PARTITION by name), epochs newer than the controller's
    /// (NOT_CONTROLLER: this controller is behind), an older leader epoch (FENCED_LEADER_EPOCH), a sender that does not
    /// lead (INVALID_REQUEST), an older partition epoch (INVALID_UPDATE_VERSION), an ISR that is not a subset of the
    /// replicas with the leader in it (INVALID_REQUEST), and members that may not be in sync (fenced, shutting down,
    /// unregistered or of another broker epoch: INELIGIBLE_REPLICA, OPERATION_NOT_ATTEMPTED before v2). An accepted change
    /// may complete a reassignment; if that moves leadership away from the sender the answer is NEW_LEADER_ELECTED
    /// (FENCED_LEADER_EPOCH before v2).
    /// </summary>
    public static ControllerResult<AlterPartitionResponse> AlterPartition(MetadataImage image, AlterPartitionRequest request, short version, ReplicationPolicy policy)
    {
        var response = new AlterPartitionResponse();
        if (image.Cluster.Brokers.GetValueOrDefault(request.BrokerId) is not { } sender || (request.BrokerEpoch != -1 && sender.Epoch != request.BrokerEpoch))
        {
            response.ErrorCode = (short)ErrorCode.StaleBrokerEpoch;
            return ControllerResult.Of(response);
        }
        var records = new List<IKafkaMessage>();
        foreach (var topicData in request.Topics)
        {
            var topic = version >= 2 ? image.Topics.Find(topicData.TopicId) : image.Topics.Find(topicData.TopicName);
            var topicReply = new AlterPartitionResponse.TopicData { TopicId = topicData.TopicId, TopicName = topicData.TopicName };
            response.Topics.Add(topicReply);
            foreach (var partitionData in topicData.Partitions)
            {
                var reply = new AlterPartitionResponse.PartitionData { PartitionIndex = partitionData.PartitionIndex };
                topicReply.Partitions.Add(reply);
                if (topic is null)
                {
                    reply.ErrorCode = (short)(version >= 2 ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition);
                    continue;
                }
                var error = AlterOne(image, topic, request.BrokerId, partitionData, version, policy, records, reply);
                reply.ErrorCode = (short)error;
            }
        }
        return new(records, response);
    }

    private static ErrorCode AlterOne(MetadataImage image, TopicImage topic, int brokerId, AlterPartitionRequest.PartitionData data, short version,
        ReplicationPolicy policy, List<IKafkaMessage> records, AlterPartitionResponse.PartitionData reply)
    {
        if (topic.Partitions.GetValueOrDefault(data.PartitionIndex) is not { } partition)
            return ErrorCode.UnknownTopicOrPartition;
        if (data.LeaderEpoch > partition.LeaderEpoch || data.PartitionEpoch > partition.PartitionEpoch)
            return ErrorCode.NotController;
        if (data.LeaderEpoch < partition.LeaderEpoch)
            return ErrorCode.FencedLeaderEpoch;
        if (partition.Leader != brokerId)
            return ErrorCode.InvalidRequest;
        if (data.PartitionEpoch < partition.PartitionEpoch)
            return ErrorCode.InvalidUpdateVersion;
        var members = version >= 3
            ? data.NewIsrWithEpochs.Select(m => (m.BrokerId, m.BrokerEpoch)).ToList()
            : data.NewIsr.Select(id => (BrokerId: id, BrokerEpoch: -1L)).ToList();
        var isr = members.Select(m => m.BrokerId).ToImmutableArray();
        if (isr.Distinct().Count() != isr.Length || !isr.All(partition.Replicas.Contains) || !isr.Contains(partition.Leader))
            return ErrorCode.InvalidRequest;
        foreach (var (id, epoch) in members)
        {
            var broker = image.Cluster.Brokers.GetValueOrDefault(id);
            if (broker is null || !broker.IsActive || (epoch != -1 && broker.Epoch != epoch))
                return version >= 2 ? ErrorCode.IneligibleReplica : ErrorCode.OperationNotAttempted;
        }
        var builder = new PartitionChangeBuilder(topic.Id, partition, image.Cluster.IsActive)
        {
            TargetIsr = isr,
            Election = policy.ElectionFor(image, topic.Name),
        };
        var changed = partition;
        if (builder.Build() is { } record)
        {
            records.Add(record);
            changed = partition.Merge(record);
        }
        reply.LeaderId = changed.Leader;
        reply.LeaderEpoch = changed.LeaderEpoch;
        reply.PartitionEpoch = changed.PartitionEpoch;
        reply.Isr = [.. changed.Isr];
        if (changed.Leader != brokerId)
            return version >= 2 ? ErrorCode.NewLeaderElected : ErrorCode.FencedLeaderEpoch;
        return ErrorCode.None;
    }
}
