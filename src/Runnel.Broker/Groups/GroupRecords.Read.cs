using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Groups;

/// <summary>A decoded record of __consumer_offsets, replayed in log order at start-up.</summary>
internal abstract record GroupLogEntry(string Group);

/// <summary>An offset commit, or its deletion when <see cref="Offset"/> is null.</summary>
internal sealed record OffsetCommitEntry(string Group, string Topic, int Partition, CommittedOffset? Offset) : GroupLogEntry(Group);

/// <summary>A group's metadata, or the group's deletion when <see cref="Value"/> is null.</summary>
internal sealed record GroupMetadataEntry(string Group, StoredGroup? Value) : GroupLogEntry(Group);

internal static partial class GroupRecords
{
    /// <summary>Decodes a record; null with a <paramref name="failure"/> for bytes that are not a known record.</summary>
    public static GroupLogEntry? Read(byte[] key, byte[]? value, out string? failure)
    {
        var reader = new KafkaReader(key);
        var keyVersion = reader.ReadInt16();
        GroupLogEntry? entry = null;
        switch (keyVersion)
        {
            case 0 or 1:
                var group = reader.ReadString(compact: false);
                var topic = reader.ReadString(compact: false);
                var partition = reader.ReadInt32();
                entry = new OffsetCommitEntry(group, topic, partition, value is null ? null : ReadOffset(value, ref reader));
                break;
            case 2:
                var name = reader.ReadString(compact: false);
                entry = new GroupMetadataEntry(name, value is null ? null : ReadGroup(value, ref reader));
                break;
            case >= ConsumerGroupMetadataKey and <= ConsumerGroupCurrentMemberAssignmentKey:
                entry = ReadConsumer(keyVersion, ref reader, value);
                break;
            default:
                reader.Fail($"unknown key version {keyVersion}");
                break;
        }
        failure = reader.Failure;
        return reader.Failed ? null : entry;
    }

    /// <summary>Reads an OffsetCommitValue (versions 0-4); failures go to <paramref name="failures"/>.</summary>
    private static CommittedOffset? ReadOffset(byte[] value, ref KafkaReader failures)
    {
        var reader = new KafkaReader(value);
        var version = reader.ReadInt16();
        var flexible = version >= 4;
        var offset = reader.ReadInt64();
        var leaderEpoch = version >= 3 ? reader.ReadInt32() : -1;
        var metadata = reader.ReadString(flexible);
        var commitTimestamp = reader.ReadInt64();
        var expireTimestamp = version == 1 ? reader.ReadInt64() : -1;
        if (flexible)
            reader.ReadUnknownTaggedFields();
        if (version is < 0 or > 4)
            reader.Fail($"unknown offset commit value version {version}");
        if (reader.Failed)
        {
            failures.Fail($"offset commit value: {reader.Failure}");
            return null;
        }
        return new CommittedOffset(offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp);
    }

    /// <summary>Reads a GroupMetadataValue (versions 0-4); failures go to <paramref name="failures"/>.</summary>
    private static StoredGroup? ReadGroup(byte[] value, ref KafkaReader failures)
    {
        var reader = new KafkaReader(value);
        var version = reader.ReadInt16();
        var flexible = version >= 4;
        var protocolType = reader.ReadString(flexible);
        var generation = reader.ReadInt32();
        var protocol = reader.ReadString(flexible, nullable: true);
        var leader = reader.ReadString(flexible, nullable: true);
        var stateTimestamp = version >= 2 ? reader.ReadInt64() : -1;
        var count = reader.ReadArrayLength(flexible, nullable: false, minElementSize: 16);
        var members = new List<StoredMember>(count);
        for (var i = 0; i < count && !reader.Failed; i++)
        {
            var memberId = reader.ReadString(flexible);
            var instanceId = version >= 3 ? reader.ReadString(flexible, nullable: true) : null;
            var clientId = reader.ReadString(flexible);
            var clientHost = reader.ReadString(flexible);
            var rebalanceTimeout = version >= 1 ? reader.ReadInt32() : -1;
            var sessionTimeout = reader.ReadInt32();
            var subscription = reader.ReadBytes(flexible, nullable: false) ?? [];
            var assignment = reader.ReadBytes(flexible, nullable: false) ?? [];
            if (flexible)
                reader.ReadUnknownTaggedFields();
            members.Add(new StoredMember(memberId, instanceId, clientId, clientHost,
                rebalanceTimeout < 0 ? sessionTimeout : rebalanceTimeout, sessionTimeout, subscription, assignment));
        }
        if (flexible)
            reader.ReadUnknownTaggedFields();
        if (version is < 0 or > 4)
            reader.Fail($"unknown group metadata value version {version}");
        if (reader.Failed)
        {
            failures.Fail($"group metadata value: {reader.Failure}");
            return null;
        }
        return new StoredGroup(protocolType, generation, protocol, leader, stateTimestamp, members);
    }
}
