using System.Buffers.Binary;
using Runnel.Broker.Groups;

namespace Runnel.Broker.Tests.Groups;

/// <summary>__consumer_offsets records in Kafka's format, and the group-to-partition mapping Kafka uses.</summary>
public sealed class GroupRecordsTests
{
    [Fact]
    public void An_offset_commit_is_key_version_1_and_value_version_3_in_Kafka_layout()
    {
        var record = GroupRecords.OffsetCommit("g", "t", 2, new CommittedOffset(42, 7, "m", 1000));
        Assert.Equal<byte>([0, 1, 0, 1, (byte)'g', 0, 1, (byte)'t', 0, 0, 0, 2], record.Key);
        var value = record.Value!;
        Assert.Equal(3, BinaryPrimitives.ReadInt16BigEndian(value));
        Assert.Equal(42, BinaryPrimitives.ReadInt64BigEndian(value.AsSpan(2)));
        Assert.Equal(7, BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(10)));
        Assert.Equal(2 + 8 + 4 + 3 + 8, value.Length);
        var read = Assert.IsType<OffsetCommitEntry>(GroupRecords.Read(record.Key, record.Value, out _));
        Assert.Equal(("g", "t", 2, new CommittedOffset(42, 7, "m", 1000)), (read.Group, read.Topic, read.Partition, read.Offset));
    }

    [Fact]
    public void An_explicit_expiry_uses_value_version_1_and_tombstones_read_back_as_deletions()
    {
        var record = GroupRecords.OffsetCommit("g", "t", 0, new CommittedOffset(1, -1, "", 10, 99));
        Assert.Equal(1, BinaryPrimitives.ReadInt16BigEndian(record.Value));
        Assert.Equal(99, Assert.IsType<OffsetCommitEntry>(GroupRecords.Read(record.Key, record.Value, out _)).Offset!.ExpireTimestampMs);
        var tombstone = GroupRecords.GroupMetadata("g", null);
        Assert.Equal<byte>([0, 2, 0, 1, (byte)'g'], tombstone.Key);
        Assert.Null(Assert.IsType<GroupMetadataEntry>(GroupRecords.Read(tombstone.Key, null, out _)).Value);
    }

    [Fact]
    public void Group_metadata_round_trips_with_members()
    {
        var stored = new StoredGroup("consumer", 5, "range", "m1", 123,
            [new StoredMember("m1", "i1", "c1", "/10.0.0.1", 30_000, 10_000, [1, 2], [3]), new StoredMember("m2", null, "c2", "/10.0.0.2", 30_000, 10_000, [], [])]);
        var record = GroupRecords.GroupMetadata("g", stored);
        Assert.Equal(3, BinaryPrimitives.ReadInt16BigEndian(record.Value));
        var read = Assert.IsType<GroupMetadataEntry>(GroupRecords.Read(record.Key, record.Value, out _)).Value!;
        Assert.Equal((stored.ProtocolType, stored.Generation, stored.Protocol, stored.Leader, stored.CurrentStateTimestampMs),
            (read.ProtocolType, read.Generation, read.Protocol, read.Leader, read.CurrentStateTimestampMs));
        Assert.Equal(stored.Members.Select(m => (m.MemberId, m.GroupInstanceId, m.ClientHost, m.Subscription.Length, m.Assignment.Length)),
            read.Members.Select(m => (m.MemberId, m.GroupInstanceId, m.ClientHost, m.Subscription.Length, m.Assignment.Length)));
    }

    [Fact]
    public void Unknown_or_truncated_records_are_reported_not_thrown()
    {
        Assert.Null(GroupRecords.Read([0, 9, 0, 0], null, out var unknown));
        Assert.NotNull(unknown);
        Assert.Null(GroupRecords.Read([0, 1, 0, 5, (byte)'g'], [0, 3], out var truncated));
        Assert.NotNull(truncated);
    }

    [Theory]
    [InlineData("hello", 50, 22)] // "hello".hashCode() = 99162322
    [InlineData("polygenelubricants", 50, 0)] // hashCode() = Integer.MIN_VALUE, which Kafka's Utils.abs maps to 0
    [InlineData("", 50, 0)]
    [InlineData("my-group", 50, 12)] // "my-group".hashCode() = -1906497762: negative hashes use their absolute value
    public void Groups_map_to_partitions_as_Kafka_maps_them(string group, int partitions, int expected)
        => Assert.Equal(expected, GroupCoordinator.PartitionFor(group, partitions));
}
