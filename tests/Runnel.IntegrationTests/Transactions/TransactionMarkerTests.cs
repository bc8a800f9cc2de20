using System.Text;
using Confluent.Kafka;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using static Runnel.IntegrationTests.Transactions.RawTransactions;
using ErrorCode = Runnel.Protocol.ErrorCode;

namespace Runnel.IntegrationTests.Transactions;

/// <summary>
/// The partition side of transactions over TCP: producer ids from InitProducerId, transactional batches and
/// WriteTxnMarkers as raw frames (there is no transaction coordinator to send them yet), read back by librdkafka with
/// isolation.level=read_committed and by raw Fetch and ListOffsets.
/// </summary>
public sealed class TransactionMarkerTests
{
    private const string Topic = "txn";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Read_committed_sees_committed_records_only_and_stops_at_an_open_transaction()
    {
        KafkaNative.EnsureLoaded();
        // The raw batches here belong to no coordinator's transaction, so the leader must not ask one (KIP-890's check is off).
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["transaction.partition.verification.enable"] = "false" });
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 4, new MetadataRequest { Topics = [new() { Name = Topic }], AllowAutoTopicCreation = true });
        var committer = await ProducerIdAsync(connection);
        var aborter = await ProducerIdAsync(connection);

        Assert.Equal(0, (await ProduceAsync(connection, TxnBatch(committer, 0, 0, null, "c1", "c2"))).ErrorCode); // 0-1
        Assert.Equal(0, (await ProduceAsync(connection, TxnBatch(aborter, 0, 0, null, "a1", "a2", "a3"))).ErrorCode); // 2-4
        Assert.Equal(0, (await ProduceAsync(connection, TxnBatch(committer, 0, 2, null, "c3"))).ErrorCode); // 5
        Assert.Equal(0, await MarkerAsync(connection, aborter, 0, coordinatorEpoch: 0, commit: false)); // 6
        Assert.Equal(0, await MarkerAsync(connection, committer, 0, coordinatorEpoch: 0, commit: true)); // 7

        // A third transaction stays open; a plain record after it is below the high watermark but not the LSO.
        var open = await ProducerIdAsync(connection);
        Assert.Equal(8, (await ProduceAsync(connection, TxnBatch(open, 0, 0, null, "o1"))).BaseOffset);
        Assert.Equal(9, (await ProduceAsync(connection, PlainBatch("p1"), transactionalId: null)).BaseOffset);
        Assert.Equal(8, await LatestAsync(connection, isolation: 1));
        Assert.Equal(10, await LatestAsync(connection, isolation: 0));

        var fetch = await FetchAsync(connection, isolation: 1);
        Assert.Equal(8, fetch.LastStableOffset);
        Assert.Equal(10, fetch.HighWatermark);
        var aborted = Assert.Single(fetch.AbortedTransactions!);
        Assert.Equal((aborter, 2L), (aborted.ProducerId, aborted.FirstOffset));
        Assert.All(Batches(fetch.Records!.Value.Span), b => Assert.True(b.LastOffset < 8));
        Assert.Null((await FetchAsync(connection, isolation: 0)).AbortedTransactions);

        // librdkafka, read_committed: the committed records, none of the aborted ones, nothing at or past the LSO.
        using var consumer = ReadCommittedConsumer(broker.Bootstrap, "txn-marker-tests");
        consumer.Assign(new TopicPartitionOffset(Topic, 0, Offset.Beginning));
        Assert.Equal(["c1", "c2", "c3"], ConsumeUntil(consumer, v => v == "c3", Wait));
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(300))); // bounded look for more: the LSO is at "o1"

        Assert.Equal(0, await MarkerAsync(connection, open, 0, coordinatorEpoch: 0, commit: true)); // 10
        Assert.Equal(11, await LatestAsync(connection, isolation: 1));
        Assert.Equal(["o1", "p1"], ConsumeUntil(consumer, v => v == "p1", Wait));
    }

    [Fact]
    public async Task Stale_markers_and_stale_transactional_batches_get_kafkas_errors_and_change_nothing()
    {
        // The raw batches here belong to no coordinator's transaction, so the leader must not ask one (KIP-890's check is off).
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["transaction.partition.verification.enable"] = "false" });
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 4, new MetadataRequest { Topics = [new() { Name = Topic }], AllowAutoTopicCreation = true });
        var producer = await ProducerIdAsync(connection);
        Assert.Equal(0, (await ProduceAsync(connection, TxnBatch(producer, 1, 0, null, "x"))).ErrorCode);
        Assert.Equal(0, await MarkerAsync(connection, producer, 1, coordinatorEpoch: 5, commit: true));
        Assert.Equal(0, (await ProduceAsync(connection, TxnBatch(producer, 1, 1, null, "y"))).ErrorCode);
        var end = await LatestAsync(connection, isolation: 0);

        Assert.Equal((short)ErrorCode.TransactionCoordinatorFenced, await MarkerAsync(connection, producer, 1, coordinatorEpoch: 4, commit: false));
        Assert.Equal((short)ErrorCode.InvalidProducerEpoch, await MarkerAsync(connection, producer, 0, coordinatorEpoch: 5, commit: false));
        Assert.Equal((short)ErrorCode.InvalidProducerEpoch, (await ProduceAsync(connection, TxnBatch(producer, 0, 0, null, "zombie"))).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidTxnState, (await ProduceAsync(connection, IdempotentBatch(producer, 1, 2, "plain"))).ErrorCode);
        Assert.Equal((short)ErrorCode.TransactionalIdAuthorizationFailed, (await ProduceAsync(connection, TxnBatch(producer, 1, 2, null, "no-id"), transactionalId: null)).ErrorCode);
        var unknown = await MarkerAsync(connection, producer, 1, coordinatorEpoch: 5, commit: true, topic: "never-made");
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, unknown);
        Assert.Equal(end, await LatestAsync(connection, isolation: 0));
        Assert.Equal(end - 1, await LatestAsync(connection, isolation: 1)); // "y" is still an open transaction
    }

    private static async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(RawKafkaConnection connection, byte[] batch, string? transactionalId = "tx")
    {
        var reply = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 8, new ProduceRequest
        {
            TransactionalId = transactionalId,
            Acks = -1,
            TimeoutMs = 5000,
            TopicData = [new() { Name = Topic, PartitionData = [new() { Index = 0, Records = batch }] }],
        });
        return reply.Responses[0].PartitionResponses[0];
    }

    private static async Task<short> MarkerAsync(RawKafkaConnection connection, long producerId, short epoch, int coordinatorEpoch, bool commit, string topic = Topic)
    {
        var reply = await connection.RequestAsync<WriteTxnMarkersResponse>(ApiKey.WriteTxnMarkers, 1, new WriteTxnMarkersRequest
        {
            Markers = [new() { ProducerId = producerId, ProducerEpoch = epoch, CoordinatorEpoch = coordinatorEpoch, TransactionResult = commit, Topics = [new() { Name = topic, PartitionIndexes = [0] }] }],
        });
        var marker = Assert.Single(reply.Markers);
        Assert.Equal(producerId, marker.ProducerId);
        return Assert.Single(Assert.Single(marker.Topics).Partitions).ErrorCode;
    }

    private static async Task<long> LatestAsync(RawKafkaConnection connection, sbyte isolation)
    {
        var reply = await connection.RequestAsync<ListOffsetsResponse>(ApiKey.ListOffsets, 4, new ListOffsetsRequest
        {
            ReplicaId = -1,
            IsolationLevel = isolation,
            Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = 0, Timestamp = -1, CurrentLeaderEpoch = -1 }] }],
        });
        var partition = reply.Topics[0].Partitions[0];
        Assert.Equal(0, partition.ErrorCode);
        return partition.Offset;
    }

    private static async Task<FetchResponse.PartitionData> FetchAsync(RawKafkaConnection connection, sbyte isolation)
    {
        var reply = await connection.RequestAsync<FetchResponse>(ApiKey.Fetch, 11, new FetchRequest
        {
            ReplicaId = -1,
            IsolationLevel = isolation,
            MaxBytes = 1 << 20,
            Topics = [new() { Topic = Topic, Partitions = [new() { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] }],
        });
        var partition = reply.Responses[0].Partitions[0];
        Assert.Equal(0, partition.ErrorCode);
        return partition;
    }

    private static List<RecordBatchHeader> Batches(ReadOnlySpan<byte> bytes)
    {
        var headers = new List<RecordBatchHeader>();
        while (RecordBatchHeader.TryRead(bytes, out var header) && header.TotalSize <= bytes.Length)
        {
            headers.Add(header);
            bytes = bytes[header.TotalSize..];
        }
        return headers;
    }
}
