using Runnel.Protocol.Messages;

namespace Runnel.Broker.Groups.Modern;

/// <summary>
/// A consumer group's records as a load replays them (last record per key wins, tombstones delete), then the group they
/// describe (Kafka's replay of ConsumerGroup* records). A group whose epoch record was deleted is gone.
/// </summary>
internal sealed class ConsumerGroupReplay
{
    private int? _epoch;
    private int _assignmentEpoch;
    private ConsumerGroupPartitionMetadataValue? _subscription;
    private readonly Dictionary<string, ConsumerGroupMemberMetadataValue> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConsumerGroupCurrentMemberAssignmentValue> _current = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConsumerGroupTargetAssignmentMemberValue> _targets = new(StringComparer.Ordinal);

    public void Apply(ConsumerGroupEntry entry)
    {
        switch (entry.KeyVersion)
        {
            case GroupRecords.ConsumerGroupMetadataKey:
                _epoch = (entry.Value as ConsumerGroupMetadataValue)?.Epoch;
                break;
            case GroupRecords.ConsumerGroupPartitionMetadataKey:
                _subscription = entry.Value as ConsumerGroupPartitionMetadataValue;
                break;
            case GroupRecords.ConsumerGroupTargetAssignmentMetadataKey:
                _assignmentEpoch = (entry.Value as ConsumerGroupTargetAssignmentMetadataValue)?.AssignmentEpoch ?? 0;
                break;
            case GroupRecords.ConsumerGroupMemberMetadataKey:
                Set(_members, entry.MemberId!, entry.Value as ConsumerGroupMemberMetadataValue);
                break;
            case GroupRecords.ConsumerGroupTargetAssignmentMemberKey:
                Set(_targets, entry.MemberId!, entry.Value as ConsumerGroupTargetAssignmentMemberValue);
                break;
            case GroupRecords.ConsumerGroupCurrentMemberAssignmentKey:
                Set(_current, entry.MemberId!, entry.Value as ConsumerGroupCurrentMemberAssignmentValue);
                break;
        }
    }

    private static void Set<T>(Dictionary<string, T> map, string key, T? value)
        where T : class
    {
        if (value is null)
            map.Remove(key);
        else
            map[key] = value;
    }

    /// <summary>The group, or null when its records were deleted.</summary>
    public ConsumerGroup? Build()
    {
        if (_epoch is not { } epoch)
            return null;
        var group = new ConsumerGroup { GroupEpoch = epoch, AssignmentEpoch = _assignmentEpoch };
        foreach (var topic in _subscription?.Topics ?? [])
            group.SubscriptionMetadata[topic.TopicName] = new SubscribedTopic(topic.TopicId, topic.TopicName, topic.NumPartitions);
        foreach (var (memberId, target) in _targets)
            group.TargetAssignment[memberId] = PartitionAssignment.From(target.TopicPartitions.Select(t => (t.TopicId, (IEnumerable<int>)t.Partitions)));
        foreach (var (memberId, metadata) in _members)
        {
            var current = _current.GetValueOrDefault(memberId);
            group.Put(new ConsumerGroupMember
            {
                MemberId = memberId,
                InstanceId = metadata.InstanceId,
                RackId = metadata.RackId,
                ClientId = metadata.ClientId,
                ClientHost = metadata.ClientHost,
                SubscribedTopicNames = [.. metadata.SubscribedTopicNames],
                SubscribedTopicRegex = metadata.SubscribedTopicRegex,
                RebalanceTimeoutMs = metadata.RebalanceTimeoutMs,
                ServerAssignor = metadata.ServerAssignor,
                MemberEpoch = current?.MemberEpoch ?? 0,
                PreviousMemberEpoch = current?.PreviousMemberEpoch ?? 0,
                State = current is null ? MemberState.Stable
                    : Enum.IsDefined((MemberState)current.State) ? (MemberState)current.State : MemberState.Unknown,
                AssignedPartitions = Assignment(current?.AssignedPartitions),
                PartitionsPendingRevocation = Assignment(current?.PartitionsPendingRevocation),
            });
        }
        return group;
    }

    private static PartitionAssignment Assignment(List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions>? topics)
        => topics is null ? PartitionAssignment.Empty : PartitionAssignment.From(topics.Select(t => (t.TopicId, (IEnumerable<int>)t.Partitions)));
}
