using System.Diagnostics;
using Runnel.Broker.Groups;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.IntegrationTests.Groups;

/// <summary>
/// TxnOffsetCommit over TCP with raw frames: a producer id from InitProducerId, a group member's transactional commit
/// with the KIP-447 checks, OffsetFetch that does not see it (UNSTABLE_OFFSET_COMMIT with require_stable), the pending
/// state rebuilt from __consumer_offsets after a restart, and a commit marker in that log making the offset committed.
/// </summary>
public sealed class TxnOffsetCommitTests
{
    private const string Topic = "txn-offsets";
    private const string Group = "txn-group";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Transactional_offsets_stay_pending_across_a_restart_until_a_commit_marker_in_the_log_commits_them()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await GroupClientTests.KcatProduce(broker, Topic, 0, 10);
        InitProducerIdResponse producer;
        await using (var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap))
        {
            producer = await connection.RequestAsync<InitProducerIdResponse>(ApiKey.InitProducerId, 4,
                new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = -1 });
            Assert.Equal((short)ErrorCode.None, producer.ErrorCode);
            var member = await JoinAndSyncAsync(connection);
            Assert.Equal((short)ErrorCode.None, await CommitAsync(connection, member, 3));

            var committed = await TxnCommitAsync(connection, producer, member.MemberId, member.GenerationId, 7);
            Assert.Equal([(0, (short)ErrorCode.None)], committed.Topics.Single().Partitions.Select(p => (p.PartitionIndex, p.ErrorCode)));
            var unknown = await TxnCommitAsync(connection, producer, member.MemberId, member.GenerationId, 7, partition: 5);
            Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, unknown.Topics.Single().Partitions.Single().ErrorCode);
            var zombie = await TxnCommitAsync(connection, producer, member.MemberId, member.GenerationId - 1, 8);
            Assert.Equal((short)ErrorCode.IllegalGeneration, zombie.Topics.Single().Partitions.Single().ErrorCode);
            var stranger = await TxnCommitAsync(connection, producer, "stranger", member.GenerationId, 8);
            Assert.Equal((short)ErrorCode.UnknownMemberId, stranger.Topics.Single().Partitions.Single().ErrorCode);

            Assert.Equal(((short)ErrorCode.None, 3L), await FetchAsync(connection, requireStable: false));
            Assert.Equal(((short)ErrorCode.UnstableOffsetCommit, -1L), await FetchAsync(connection, requireStable: true));
            var v8 = await connection.RequestAsync<OffsetFetchResponse>(ApiKey.OffsetFetch, 8, new OffsetFetchRequest
            {
                Groups = [new() { GroupId = Group, Topics = null }],
                RequireStable = true,
            });
            var all = v8.Groups.Single().Topics.Single().Partitions.Single();
            Assert.Equal((0, (short)ErrorCode.UnstableOffsetCommit, -1L), (all.PartitionIndex, all.ErrorCode, all.CommittedOffset));
        }

        // The pending offset is rebuilt from the transactional batch in __consumer_offsets.
        await broker.RestartAsync();
        await using (var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap))
        {
            Assert.Equal(((short)ErrorCode.UnstableOffsetCommit, -1L), await FetchAsync(connection, requireStable: true));
            Assert.Equal(((short)ErrorCode.None, 3L), await FetchAsync(connection, requireStable: false));
        }

        // The producer's commit marker, as WriteTxnMarkers appends it to the group's partition, then another restart.
        AppendCommitMarker(broker, producer);
        await broker.RestartAsync();
        await using (var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap))
            Assert.Equal(((short)ErrorCode.None, 7L), await FetchAsync(connection, requireStable: true));
    }

    private static void AppendCommitMarker(BrokerFixture broker, InitProducerIdResponse producer)
    {
        var offsetsTopic = broker.Broker.Services.Topics.Find(OffsetsTopicStore.TopicName)!;
        var partition = offsetsTopic.Partition(GroupCoordinator.PartitionFor(Group, offsetsTopic.PartitionCount))!;
        using var writer = new KafkaWriter();
        ControlRecord.WriteEndTransactionMarker(writer, commit: true, coordinatorEpoch: 0, producer.ProducerId, producer.ProducerEpoch,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var appended = partition.AppendInternal(writer.WrittenRegion(0, writer.Length));
        Assert.Equal(ErrorCode.None, appended.Error);
    }

    private static async Task<JoinGroupResponse> JoinAndSyncAsync(RawKafkaConnection connection)
    {
        var joined = await connection.RequestAsync<JoinGroupResponse>(ApiKey.JoinGroup, 3, new JoinGroupRequest
        {
            GroupId = Group,
            MemberId = "",
            SessionTimeoutMs = 30_000,
            RebalanceTimeoutMs = 10_000,
            ProtocolType = ConsumerProtocol.ProtocolType,
            Protocols = [new() { Name = "range", Metadata = ConsumerProtocol.Write(new ConsumerProtocolSubscription { Topics = [Topic] }, 0) }],
        });
        Assert.Equal((short)ErrorCode.None, joined.ErrorCode);
        var synced = await connection.RequestAsync<SyncGroupResponse>(ApiKey.SyncGroup, 3, new SyncGroupRequest
        {
            GroupId = Group,
            MemberId = joined.MemberId,
            GenerationId = joined.GenerationId,
            Assignments = [new() { MemberId = joined.MemberId, Assignment = [] }],
        });
        Assert.Equal((short)ErrorCode.None, synced.ErrorCode);
        return joined;
    }

    private static async Task<short> CommitAsync(RawKafkaConnection connection, JoinGroupResponse member, long offset)
    {
        var response = await connection.RequestAsync<OffsetCommitResponse>(ApiKey.OffsetCommit, 7, new OffsetCommitRequest
        {
            GroupId = Group,
            MemberId = member.MemberId,
            GenerationIdOrMemberEpoch = member.GenerationId,
            Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = offset }] }],
        });
        return response.Topics.Single().Partitions.Single().ErrorCode;
    }

    private static Task<TxnOffsetCommitResponse> TxnCommitAsync(RawKafkaConnection connection, InitProducerIdResponse producer, string memberId,
        int generation, long offset, int partition = 0)
        => connection.RequestAsync<TxnOffsetCommitResponse>(ApiKey.TxnOffsetCommit, 3, new TxnOffsetCommitRequest
        {
            TransactionalId = "txn",
            GroupId = Group,
            ProducerId = producer.ProducerId,
            ProducerEpoch = producer.ProducerEpoch,
            GenerationId = generation,
            MemberId = memberId,
            Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = partition, CommittedOffset = offset, CommittedMetadata = "m" }] }],
        });

    /// <summary>OffsetFetch v7 of partition 0, asked again while the coordinator still loads after a restart (as a client retries).</summary>
    private static async Task<(short Error, long Offset)> FetchAsync(RawKafkaConnection connection, bool requireStable)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var response = await connection.RequestAsync<OffsetFetchResponse>(ApiKey.OffsetFetch, 7, new OffsetFetchRequest
            {
                GroupId = Group,
                Topics = [new() { Name = Topic, PartitionIndexes = [0] }],
                RequireStable = requireStable,
            });
            if (response.ErrorCode == (short)ErrorCode.CoordinatorLoadInProgress && clock.Elapsed < Bound)
                continue;
            Assert.Equal((short)ErrorCode.None, response.ErrorCode);
            var fetched = response.Topics.Single().Partitions.Single();
            return (fetched.ErrorCode, fetched.CommittedOffset);
        }
    }
}
