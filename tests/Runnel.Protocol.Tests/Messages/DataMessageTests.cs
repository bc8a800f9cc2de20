using System.Reflection;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Protocol.Tests.Messages;

/// <summary>Headers, consumer protocol payloads and Raft control records: round trips and real client bytes.</summary>
public sealed class DataMessageTests
{
    public static TheoryData<string> DataMessages() =>
    [
        .. typeof(RequestHeader).Assembly.GetTypes()
            .Where(t => t.Namespace == "Runnel.Protocol.Messages" && !t.IsNested && typeof(IKafkaMessage).IsAssignableFrom(t))
            .Where(t => !t.Name.EndsWith("Request", StringComparison.Ordinal) && !t.Name.EndsWith("Response", StringComparison.Ordinal))
            .Select(t => t.Name),
    ];

    [Theory]
    [MemberData(nameof(DataMessages))]
    public void Data_message_round_trips_at_every_version(string name)
    {
        var type = typeof(RequestHeader).Assembly.GetType($"Runnel.Protocol.Messages.{name}")!;
        var low = (short)type.GetField("LowestSupportedVersion", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        var high = (short)type.GetField("HighestSupportedVersion", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        IKafkaMessage Create() => (IKafkaMessage)Activator.CreateInstance(type)!;
        for (var version = low; version <= high; version++)
        {
            for (var seed = 0; seed < 8; seed++)
                RoundTripTests.AssertSameBytesAfterDecode(new MessageFiller(seed).Fill(Create()), Create, version, $"{name} v{version}");
        }
    }

    [Fact]
    public void An_unset_records_field_is_written_as_null_only_where_the_version_allows_null()
    {
        // FetchResponse's Records is nullable; FetchSnapshotResponse's UnalignedRecords is not, so unset it is an empty set.
        var snapshot = new FetchSnapshotResponse.PartitionSnapshot { ErrorCode = 1 };
        using var writer = new KafkaWriter();
        snapshot.Write(writer, 0);
        var reader = new KafkaReader(writer.WrittenMemory.ToArray());
        var read = new FetchSnapshotResponse.PartitionSnapshot();
        read.Read(ref reader, 0);
        Assert.False(reader.Failed, reader.Failure);
        Assert.Equal(0, Assert.NotNull(read.UnalignedRecords).Length);

        using var fetchWriter = new KafkaWriter();
        new FetchResponse.PartitionData().Write(fetchWriter, 12);
        var fetchReader = new KafkaReader(fetchWriter.WrittenMemory.ToArray());
        var fetched = new FetchResponse.PartitionData();
        fetched.Read(ref fetchReader, 12);
        Assert.Null(fetched.Records);
    }

    [Fact]
    public void Real_clients_join_group_metadata_decodes_as_a_consumer_subscription()
    {
        var joins = CaptureFixtures.All.Where(c => c.IsRequest && c.ApiKey == (short)ApiKey.JoinGroup).ToList();
        Assert.NotEmpty(joins);
        foreach (var capture in joins)
        {
            var frame = capture.Bytes;
            var reader = new KafkaReader(frame);
            Framing.ReadRequestHeader(ref reader, frame);
            var join = new JoinGroupRequest();
            join.Read(ref reader, capture.ApiVersion);
            Assert.Equal(ConsumerProtocol.ProtocolType, join.ProtocolType);
            foreach (var protocol in join.Protocols)
            {
                var subscription = ConsumerProtocol.ReadSubscription(protocol.Metadata, out var failure);
                Assert.True(subscription is not null, $"{capture.File} {protocol.Name}: {failure}");
                Assert.NotEmpty(subscription.Topics);
            }
        }
    }

    [Fact]
    public void Real_clients_sync_group_assignments_decode_as_consumer_assignments()
    {
        var syncs = CaptureFixtures.All.Where(c => c.IsRequest && c.ApiKey == (short)ApiKey.SyncGroup).ToList();
        Assert.NotEmpty(syncs);
        var decoded = 0;
        foreach (var capture in syncs)
        {
            var frame = capture.Bytes;
            var reader = new KafkaReader(frame);
            Framing.ReadRequestHeader(ref reader, frame);
            var sync = new SyncGroupRequest();
            sync.Read(ref reader, capture.ApiVersion);
            foreach (var assignment in sync.Assignments)
            {
                var parsed = ConsumerProtocol.ReadAssignment(assignment.Assignment, out var failure);
                Assert.True(parsed is not null, $"{capture.File}: {failure}");
                decoded++;
            }
        }
        Assert.True(decoded > 0);
    }

    [Fact]
    public void Consumer_protocol_newer_versions_are_read_at_our_highest()
    {
        var subscription = new ConsumerProtocolSubscription { Topics = ["orders"], UserData = [1, 2] };
        var bytes = ConsumerProtocol.Write(subscription, ConsumerProtocolSubscription.HighestSupportedVersion);
        bytes[1] = 99; // a future version that only appended fields
        var read = ConsumerProtocol.ReadSubscription(bytes, out var failure);
        Assert.Null(failure);
        Assert.Equal(["orders"], read!.Topics);
    }
}
