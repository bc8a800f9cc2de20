using Runnel.Metadata.Records;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Tests;

public sealed class MetadataRecordSerdeTests
{
    private static readonly Guid TopicId = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

    private static T RoundTrip<T>(T record)
        where T : IKafkaMessage
        => Assert.IsType<T>(MetadataRecordSerde.Read(MetadataRecordSerde.Write(record)));

    [Fact]
    public void A_partition_change_round_trips_and_tells_unchanged_from_empty()
    {
        var read = RoundTrip(new PartitionChangeRecord
        {
            TopicId = TopicId,
            PartitionId = 3,
            Isr = [1, 2],
            Leader = -1,
            Replicas = [1, 2, 3],
            RemovingReplicas = [3],
            AddingReplicas = [],
            LeaderRecoveryState = 1,
        });
        Assert.Equal(TopicId, read.TopicId);
        Assert.Equal(3, read.PartitionId);
        Assert.Equal([1, 2], read.Isr);
        Assert.Equal(-1, read.Leader);
        Assert.Equal([1, 2, 3], read.Replicas);
        Assert.Equal([3], read.RemovingReplicas);
        Assert.Equal([], read.AddingReplicas);
        Assert.Equal(1, read.LeaderRecoveryState);
        Assert.Null(read.Directories);
        Assert.Null(read.EligibleLeaderReplicas);
        Assert.Null(read.LastKnownElr);
    }

    [Fact]
    public void A_partition_change_that_changes_nothing_holds_only_the_partition()
    {
        var bytes = MetadataRecordSerde.Write(new PartitionChangeRecord { TopicId = TopicId, PartitionId = 0 });
        // frame 1, type 5, version 0, partition id, topic id, no tagged fields.
        Assert.Equal("010500" + "00000000" + "00112233445566778899AABBCCDDEEFF" + "00", Convert.ToHexString(bytes));
        var read = Assert.IsType<PartitionChangeRecord>(MetadataRecordSerde.Read(bytes));
        Assert.Null(read.Isr);
        Assert.Equal(-2, read.Leader);
        Assert.Null(read.Replicas);
        Assert.Null(read.RemovingReplicas);
        Assert.Null(read.AddingReplicas);
        Assert.Equal(-1, read.LeaderRecoveryState);
    }

    [Fact]
    public void A_partition_change_puts_its_changes_in_tagged_fields()
    {
        var bytes = MetadataRecordSerde.Write(new PartitionChangeRecord { TopicId = TopicId, PartitionId = 7, Leader = 2, Isr = [2] });
        // Two tagged fields in tag order: 0 (Isr: size 5, compact length 1 + 1 = 2, broker 2) then 1 (Leader: size 4, broker 2).
        Assert.Equal("010500" + "00000007" + "00112233445566778899AABBCCDDEEFF" + "02" + "000502" + "00000002" + "0104" + "00000002",
            Convert.ToHexString(bytes));
    }

    [Fact]
    public void A_partition_change_is_written_at_the_version_its_fields_need()
    {
        var directory = Guid.NewGuid();
        var withDirectories = new PartitionChangeRecord { TopicId = TopicId, Replicas = [1, 2], Directories = [directory, directory] };
        var withElr = new PartitionChangeRecord { TopicId = TopicId, Isr = [], EligibleLeaderReplicas = [1], LastKnownElr = [] };
        Assert.Equal(0, MetadataRecordSerde.VersionOf(new PartitionChangeRecord { TopicId = TopicId, Isr = [1] }));
        Assert.Equal(1, MetadataRecordSerde.VersionOf(withDirectories));
        Assert.Equal(2, MetadataRecordSerde.VersionOf(withElr));
        Assert.Equal(1, MetadataRecordSerde.Write(withDirectories)[2]);
        Assert.Equal([directory, directory], RoundTrip(withDirectories).Directories);
        var elr = RoundTrip(withElr);
        Assert.Equal([1], elr.EligibleLeaderReplicas);
        Assert.Equal([], elr.LastKnownElr);
        Assert.Equal([], elr.Isr);
    }

    [Fact]
    public void A_broker_registration_change_round_trips_at_the_version_its_fields_need()
    {
        var fence = new BrokerRegistrationChangeRecord { BrokerId = 4, BrokerEpoch = 12, Fenced = 1 };
        var unfence = new BrokerRegistrationChangeRecord { BrokerId = 4, BrokerEpoch = 12, Fenced = -1 };
        var shutdown = new BrokerRegistrationChangeRecord { BrokerId = 4, BrokerEpoch = 12, InControlledShutdown = 1 };
        var logDirs = new BrokerRegistrationChangeRecord { BrokerId = 4, BrokerEpoch = 12, LogDirs = [Guid.NewGuid()] };
        Assert.Equal(0, MetadataRecordSerde.VersionOf(fence));
        Assert.Equal(1, MetadataRecordSerde.VersionOf(shutdown));
        Assert.Equal(2, MetadataRecordSerde.VersionOf(logDirs));

        // frame 1, type 17, version 0, broker id, broker epoch, one tagged field: tag 0 (Fenced), size 1, value 1.
        Assert.Equal("011100" + "00000004" + "000000000000000C" + "01" + "000101", Convert.ToHexString(MetadataRecordSerde.Write(fence)));

        var read = RoundTrip(fence);
        Assert.Equal(4, read.BrokerId);
        Assert.Equal(12, read.BrokerEpoch);
        Assert.Equal(1, read.Fenced);
        Assert.Equal(0, read.InControlledShutdown);
        Assert.Equal(-1, RoundTrip(unfence).Fenced);
        var inShutdown = RoundTrip(shutdown);
        Assert.Equal(0, inShutdown.Fenced);
        Assert.Equal(1, inShutdown.InControlledShutdown);
        Assert.Equal(logDirs.LogDirs, RoundTrip(logDirs).LogDirs);
        Assert.Empty(RoundTrip(fence).LogDirs);
    }

    [Fact]
    public void Versions_past_a_records_schema_are_refused()
    {
        var bytes = MetadataRecordSerde.Write(new PartitionChangeRecord { TopicId = TopicId });
        bytes[2] = 2;
        Assert.IsType<PartitionChangeRecord>(MetadataRecordSerde.Read(bytes));
        bytes[2] = 3;
        Assert.Throws<InvalidDataException>(() => MetadataRecordSerde.Read(bytes));
        Assert.Throws<InvalidDataException>(() => MetadataRecordSerde.Read(new byte[] { 1, 2, 1 }));
    }
}
