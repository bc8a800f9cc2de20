using Runnel.Broker.Groups.Modern;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Groups;

/// <summary>A KIP-848 record of __consumer_offsets: its key version, group, member (for per-member records) and value (null: tombstone).</summary>
internal sealed record ConsumerGroupEntry(short KeyVersion, string Group, string? MemberId, IKafkaMessage? Value) : GroupLogEntry(Group);

/// <summary>
/// The KIP-848 records in Kafka's format (key versions 3-8, value version 0; see GroupCoordinatorRecords.schema), so a
/// Kafka broker reading this topic finds the same groups, and a restarted coordinator reloads them.
/// </summary>
internal static partial class GroupRecords
{
    public const short ConsumerGroupMetadataKey = 3;
    public const short ConsumerGroupPartitionMetadataKey = 4;
    public const short ConsumerGroupMemberMetadataKey = 5;
    public const short ConsumerGroupTargetAssignmentMetadataKey = 6;
    public const short ConsumerGroupTargetAssignmentMemberKey = 7;
    public const short ConsumerGroupCurrentMemberAssignmentKey = 8;

    public static StoredRecord ConsumerGroupEpoch(string group, int? epoch)
        => Consumer(ConsumerGroupMetadataKey, group, null, epoch is { } e ? new ConsumerGroupMetadataValue { Epoch = e } : null);

    public static StoredRecord ConsumerGroupSubscriptionMetadata(string group, IReadOnlyCollection<SubscribedTopic>? topics)
        => Consumer(ConsumerGroupPartitionMetadataKey, group, null, topics is null ? null : new ConsumerGroupPartitionMetadataValue
        {
            Topics = [.. topics.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new ConsumerGroupPartitionMetadataValue.TopicMetadata
            {
                TopicId = t.TopicId,
                TopicName = t.Name,
                NumPartitions = t.NumPartitions,
            })],
        });

    public static StoredRecord ConsumerGroupMemberMetadata(string group, string memberId, ConsumerGroupMember? member)
        => Consumer(ConsumerGroupMemberMetadataKey, group, memberId, member is null ? null : new ConsumerGroupMemberMetadataValue
        {
            InstanceId = member.InstanceId,
            RackId = member.RackId,
            ClientId = member.ClientId,
            ClientHost = member.ClientHost,
            SubscribedTopicNames = [.. member.SubscribedTopicNames],
            SubscribedTopicRegex = member.SubscribedTopicRegex,
            RebalanceTimeoutMs = member.RebalanceTimeoutMs,
            ServerAssignor = member.ServerAssignor,
        });

    public static StoredRecord ConsumerGroupTargetAssignmentEpoch(string group, int? epoch)
        => Consumer(ConsumerGroupTargetAssignmentMetadataKey, group, null, epoch is { } e ? new ConsumerGroupTargetAssignmentMetadataValue { AssignmentEpoch = e } : null);

    public static StoredRecord ConsumerGroupTargetAssignmentMember(string group, string memberId, PartitionAssignment? target)
        => Consumer(ConsumerGroupTargetAssignmentMemberKey, group, memberId, target is null ? null : new ConsumerGroupTargetAssignmentMemberValue
        {
            TopicPartitions = [.. target.Topics.Select(t => new ConsumerGroupTargetAssignmentMemberValue.TopicPartition { TopicId = t.Key, Partitions = [.. t.Value] })],
        });

    public static StoredRecord ConsumerGroupCurrentAssignment(string group, string memberId, ConsumerGroupMember? member)
        => Consumer(ConsumerGroupCurrentMemberAssignmentKey, group, memberId, member is null ? null : new ConsumerGroupCurrentMemberAssignmentValue
        {
            MemberEpoch = member.MemberEpoch,
            PreviousMemberEpoch = member.PreviousMemberEpoch,
            State = (sbyte)member.State,
            AssignedPartitions = Partitions(member.AssignedPartitions),
            PartitionsPendingRevocation = Partitions(member.PartitionsPendingRevocation),
        });

    private static List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> Partitions(PartitionAssignment assignment)
        => [.. assignment.Topics.Select(t => new ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions { TopicId = t.Key, Partitions = [.. t.Value] })];

    private static StoredRecord Consumer(short keyVersion, string group, string? memberId, IKafkaMessage? value)
    {
        using var key = new KafkaWriter(64);
        key.WriteInt16(keyVersion);
        key.WriteString(group, compact: false, nullable: false);
        if (memberId is not null)
            key.WriteString(memberId, compact: false, nullable: false);
        if (value is null)
            return new StoredRecord(key.WrittenSpan.ToArray(), null);
        using var writer = new KafkaWriter(128);
        writer.WriteInt16(0);
        value.Write(writer, 0);
        return new StoredRecord(key.WrittenSpan.ToArray(), writer.WrittenSpan.ToArray());
    }

    /// <summary>Reads a KIP-848 record's key (after its version) and value; failures go to <paramref name="reader"/>.</summary>
    private static ConsumerGroupEntry? ReadConsumer(short keyVersion, ref KafkaReader reader, byte[]? value)
    {
        var group = reader.ReadString(compact: false);
        var memberId = keyVersion is ConsumerGroupMemberMetadataKey or ConsumerGroupTargetAssignmentMemberKey or ConsumerGroupCurrentMemberAssignmentKey
            ? reader.ReadString(compact: false) : null;
        if (value is null)
            return new ConsumerGroupEntry(keyVersion, group, memberId, null);
        IKafkaMessage message = keyVersion switch
        {
            ConsumerGroupMetadataKey => new ConsumerGroupMetadataValue(),
            ConsumerGroupPartitionMetadataKey => new ConsumerGroupPartitionMetadataValue(),
            ConsumerGroupMemberMetadataKey => new ConsumerGroupMemberMetadataValue(),
            ConsumerGroupTargetAssignmentMetadataKey => new ConsumerGroupTargetAssignmentMetadataValue(),
            ConsumerGroupTargetAssignmentMemberKey => new ConsumerGroupTargetAssignmentMemberValue(),
            _ => new ConsumerGroupCurrentMemberAssignmentValue(),
        };
        var valueReader = new KafkaReader(value);
        var version = valueReader.ReadInt16();
        // Newer value versions only add tagged fields, which the reader keeps as unknown.
        message.Read(ref valueReader, 0);
        if (version < 0)
            valueReader.Fail($"bad value version {version}");
        if (valueReader.Failed)
        {
            reader.Fail($"consumer group record {keyVersion}: {valueReader.Failure}");
            return null;
        }
        return new ConsumerGroupEntry(keyVersion, group, memberId, message);
    }
}
