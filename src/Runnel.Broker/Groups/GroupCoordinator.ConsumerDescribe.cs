using Runnel.Broker.Groups.Modern;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Groups;

/// <summary>ConsumerGroupDescribe.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// Kafka's consumerGroupDescribe: the group's state, epochs, assignor and members with their epochs, subscriptions,
    /// current and target assignments (topic names from the metadata image). An unknown group, or one that is not a
    /// consumer group, is GROUP_ID_NOT_FOUND; a group this node does not serve has the error of <see cref="Locate"/>.
    /// </summary>
    public ConsumerGroupDescribeResponse.DescribedGroup DescribeConsumerGroup(string groupId)
    {
        var status = Locate(groupId, out var owner);
        if (status != ErrorCode.None)
            return new ConsumerGroupDescribeResponse.DescribedGroup { GroupId = groupId, ErrorCode = (short)status };
        var group = owner.Groups.GetValueOrDefault(groupId);
        if (group is null)
            return NotFound(groupId, $"Group {groupId} not found.");
        lock (group)
        {
            if (group.Is(GroupState.Dead))
                return NotFound(groupId, $"Group {groupId} not found.");
            if (group.Consumer is not { } consumer)
                return NotFound(groupId, $"Group {groupId} is not a consumer group.");
            var topics = TopicsSource();
            return new ConsumerGroupDescribeResponse.DescribedGroup
            {
                GroupId = groupId,
                GroupState = consumer.StateName,
                GroupEpoch = consumer.GroupEpoch,
                AssignmentEpoch = consumer.AssignmentEpoch,
                AssignorName = consumer.AssignorName ?? _config.ConsumerAssignors[0],
                Members = [.. consumer.Members.Select(m => new ConsumerGroupDescribeResponse.Member
                {
                    MemberId = m.MemberId,
                    InstanceId = m.InstanceId,
                    RackId = m.RackId,
                    MemberEpoch = m.MemberEpoch,
                    ClientId = m.ClientId,
                    ClientHost = m.ClientHost,
                    SubscribedTopicNames = [.. m.SubscribedTopicNames],
                    SubscribedTopicRegex = m.SubscribedTopicRegex,
                    Assignment = Described(m.AssignedPartitions, topics),
                    TargetAssignment = Described(consumer.TargetOf(m.MemberId), topics),
                })],
            };
        }
    }

    private static ConsumerGroupDescribeResponse.DescribedGroup NotFound(string groupId, string message)
        => new() { GroupId = groupId, ErrorCode = (short)ErrorCode.GroupIdNotFound, ErrorMessage = message };

    private static ConsumerGroupDescribeResponse.Assignment Described(PartitionAssignment assignment, TopicsImage topics) => new()
    {
        TopicPartitions = [.. assignment.Topics.Select(t => new ConsumerGroupDescribeResponse.TopicPartitions
        {
            TopicId = t.Key,
            TopicName = topics.Find(t.Key)?.Name ?? "",
            Partitions = [.. t.Value],
        })],
    };
}
