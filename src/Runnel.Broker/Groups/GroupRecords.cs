using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Broker.Groups;

/// <summary>
/// One record of __consumer_offsets: a versioned key and a versioned value, or a null value (tombstone). Read back from
/// the log, it also carries where it is and which batch held it: its <see cref="Offset"/>, the batch's
/// <see cref="ProducerId"/> (-1 unless a producer's transaction wrote it), and, for a transaction marker of a control
/// batch, <see cref="Control"/> (Commit or Abort) with the marker's key and value.
/// </summary>
internal readonly record struct StoredRecord(byte[] Key, byte[]? Value)
{
    /// <summary>The record's offset in the log; -1 for a record not read from the log.</summary>
    public long Offset { get; init; } = -1;

    /// <summary>The producer id of the record's batch; -1 when no producer wrote it.</summary>
    public long ProducerId { get; init; } = -1;

    /// <summary>Commit or Abort for an end-transaction marker (a control record); null for the coordinator's own records.</summary>
    public ControlRecordType? Control { get; init; }
}

/// <summary>A group member as the group metadata record keeps it.</summary>
internal sealed record StoredMember(string MemberId, string? GroupInstanceId, string ClientId, string ClientHost,
    int RebalanceTimeoutMs, int SessionTimeoutMs, byte[] Subscription, byte[] Assignment);

/// <summary>Kafka's GroupMetadataValue: the group's generation, protocol, leader and members.</summary>
internal sealed record StoredGroup(string ProtocolType, int Generation, string? Protocol, string? Leader,
    long CurrentStateTimestampMs, IReadOnlyList<StoredMember> Members);

/// <summary>
/// The records of __consumer_offsets in Kafka's own format, so Kafka tools can read the topic: an offset commit
/// has key version 0 or 1 (group, topic, partition) and we write value version 3 (offset, leader epoch, metadata,
/// commit time), or version 1 when the commit carries an explicit expiry; group metadata has key version 2
/// (group) and we write value version 3. Reading accepts every version Kafka has written (values 0-4).
/// </summary>
internal static partial class GroupRecords
{
    private const short OffsetCommitKeyVersion = 1;
    private const short GroupMetadataKeyVersion = 2;
    private const short OffsetValueVersion = 3;
    private const short OffsetValueWithExpiryVersion = 1;
    private const short GroupValueVersion = 3;

    public static StoredRecord OffsetCommit(string group, string topic, int partition, CommittedOffset? offset)
    {
        using var key = new KafkaWriter(64);
        key.WriteInt16(OffsetCommitKeyVersion);
        key.WriteString(group, compact: false, nullable: false);
        key.WriteString(topic, compact: false, nullable: false);
        key.WriteInt32(partition);
        return new StoredRecord(key.WrittenSpan.ToArray(), offset is null ? null : OffsetValue(offset));
    }

    public static StoredRecord GroupMetadata(string group, StoredGroup? value)
    {
        using var key = new KafkaWriter(32);
        key.WriteInt16(GroupMetadataKeyVersion);
        key.WriteString(group, compact: false, nullable: false);
        return new StoredRecord(key.WrittenSpan.ToArray(), value is null ? null : GroupValue(value));
    }

    private static byte[] OffsetValue(CommittedOffset offset)
    {
        using var writer = new KafkaWriter(64);
        var version = offset.ExpireTimestampMs >= 0 ? OffsetValueWithExpiryVersion : OffsetValueVersion;
        writer.WriteInt16(version);
        writer.WriteInt64(offset.Offset);
        if (version >= 3)
            writer.WriteInt32(offset.LeaderEpoch);
        writer.WriteString(offset.Metadata, compact: false, nullable: false);
        writer.WriteInt64(offset.CommitTimestampMs);
        if (version == 1)
            writer.WriteInt64(offset.ExpireTimestampMs);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] GroupValue(StoredGroup group)
    {
        using var writer = new KafkaWriter(256);
        writer.WriteInt16(GroupValueVersion);
        writer.WriteString(group.ProtocolType, compact: false, nullable: false);
        writer.WriteInt32(group.Generation);
        writer.WriteString(group.Protocol, compact: false, nullable: true);
        writer.WriteString(group.Leader, compact: false, nullable: true);
        writer.WriteInt64(group.CurrentStateTimestampMs);
        writer.WriteArrayLength(group.Members.Count, compact: false, nullable: false);
        foreach (var member in group.Members)
        {
            writer.WriteString(member.MemberId, compact: false, nullable: false);
            writer.WriteString(member.GroupInstanceId, compact: false, nullable: true);
            writer.WriteString(member.ClientId, compact: false, nullable: false);
            writer.WriteString(member.ClientHost, compact: false, nullable: false);
            writer.WriteInt32(member.RebalanceTimeoutMs);
            writer.WriteInt32(member.SessionTimeoutMs);
            writer.WriteBytes(member.Subscription, compact: false, nullable: false);
            writer.WriteBytes(member.Assignment, compact: false, nullable: false);
        }
        return writer.WrittenSpan.ToArray();
    }
}
