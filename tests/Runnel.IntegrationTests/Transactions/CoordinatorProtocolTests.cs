using System.Text;
using Confluent.Kafka;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Xunit;
using ApiKey = Runnel.Protocol.ApiKey;
using RunnelError = Runnel.Protocol.ErrorCode;

namespace Runnel.IntegrationTests.Transactions;

/// <summary>
/// The transaction coordinator and KIP-890's check over raw frames: a transactional batch for a partition the
/// transaction never added is refused and nothing is written; EndTxn and TxnOffsetCommit from a producer or member the
/// coordinator does not know get Kafka's errors.
/// </summary>
public sealed class CoordinatorProtocolTests
{
    private const string TransactionalId = "raw-txn", Topic = "kip890";

    [Fact]
    public async Task A_batch_for_a_partition_not_in_the_transaction_is_refused_and_bad_ends_get_kafkas_errors()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync();
        await ConfluentTransactionTests.CreateTopicAsync(broker, Topic, partitions: 1);
        // A real client's InitTransactions: __transaction_state exists and this id has a coordinator and epoch 0.
        using (var client = ConfluentTransactionTests.TransactionalProducer(broker, TransactionalId))
            client.InitTransactions(TimeSpan.FromSeconds(30));

        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var init = await connection.RequestAsync<InitProducerIdResponse>(ApiKey.InitProducerId, 4,
            new InitProducerIdRequest { TransactionalId = TransactionalId, TransactionTimeoutMs = 60_000 });
        Assert.Equal((0, (short)1), (init.ErrorCode, init.ProducerEpoch));
        var (producerId, epoch) = (init.ProducerId, init.ProducerEpoch);

        // The coordinator's topic is internal: clients cannot write to it.
        var intoState = await BadInput.BadBatchTests.ProduceAsync(connection, "__transaction_state", BadInput.BadBatchTests.Batch(Runnel.Protocol.Compression.CompressionType.None, 1), create: false);
        Assert.Equal((short)RunnelError.InvalidTopicException, intoState.ErrorCode);

        // Not added to the transaction: INVALID_TXN_STATE before Produce v11, TRANSACTION_ABORTABLE from v11; nothing written.
        Assert.Equal((short)RunnelError.InvalidTxnState, (await ProduceAsync(connection, 8, RawTransactions.TxnBatch(producerId, epoch, 0, null, "stray"))).ErrorCode);
        Assert.Equal((short)RunnelError.TransactionAbortable, (await ProduceAsync(connection, 11, RawTransactions.TxnBatch(producerId, epoch, 0, null, "stray"))).ErrorCode);
        Assert.Equal(0, await LatestAsync(connection));

        var added = await connection.RequestAsync<AddPartitionsToTxnResponse>(ApiKey.AddPartitionsToTxn, 3, new AddPartitionsToTxnRequest
        {
            V3AndBelowTransactionalId = TransactionalId,
            V3AndBelowProducerId = producerId,
            V3AndBelowProducerEpoch = epoch,
            V3AndBelowTopics = [new() { Name = Topic, Partitions = [0] }],
        });
        Assert.Equal(0, added.ResultsByTopicV3AndBelow.Single().ResultsByPartition.Single().PartitionErrorCode);
        Assert.Equal(0, (await ProduceAsync(connection, 8, RawTransactions.TxnBatch(producerId, epoch, 0, null, "kept"))).ErrorCode);

        // EndTxn for an unknown id, another producer id, or the fenced epoch 0 (INVALID_PRODUCER_EPOCH before v2).
        Assert.Equal((short)RunnelError.InvalidProducerIdMapping, (await EndAsync(connection, 3, "nobody", producerId, epoch)).ErrorCode);
        Assert.Equal((short)RunnelError.InvalidProducerIdMapping, (await EndAsync(connection, 3, TransactionalId, producerId + 1, epoch)).ErrorCode);
        Assert.Equal((short)RunnelError.ProducerFenced, (await EndAsync(connection, 3, TransactionalId, producerId, 0)).ErrorCode);
        Assert.Equal((short)RunnelError.InvalidProducerEpoch, (await EndAsync(connection, 1, TransactionalId, producerId, 0)).ErrorCode);

        // TxnOffsetCommit for a group the producer is not a member of (KIP-447's generation check).
        var commit = await connection.RequestAsync<TxnOffsetCommitResponse>(ApiKey.TxnOffsetCommit, 3, new TxnOffsetCommitRequest
        {
            TransactionalId = TransactionalId,
            GroupId = "not-joined",
            ProducerId = producerId,
            ProducerEpoch = epoch,
            GenerationId = 4,
            MemberId = "ghost",
            Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1 }] }],
        });
        Assert.Equal((short)RunnelError.IllegalGeneration, commit.Topics.Single().Partitions.Single().ErrorCode);

        Assert.Equal(0, (await EndAsync(connection, 3, TransactionalId, producerId, epoch)).ErrorCode);
        Assert.Equal(["kept"], ConfluentTransactionTests.ReadAllText(broker, Topic, Confluent.Kafka.IsolationLevel.ReadCommitted));
    }

    private static async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(RawKafkaConnection connection, short version, byte[] batch)
    {
        var reply = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, version, new ProduceRequest
        {
            TransactionalId = TransactionalId,
            Acks = -1,
            TimeoutMs = 5000,
            TopicData = [new() { Name = Topic, PartitionData = [new() { Index = 0, Records = batch }] }],
        });
        return reply.Responses.Single().PartitionResponses.Single();
    }

    private static Task<EndTxnResponse> EndAsync(RawKafkaConnection connection, short version, string transactionalId, long producerId, short epoch)
        => connection.RequestAsync<EndTxnResponse>(ApiKey.EndTxn, version,
            new EndTxnRequest { TransactionalId = transactionalId, ProducerId = producerId, ProducerEpoch = epoch, Committed = true });

    private static async Task<long> LatestAsync(RawKafkaConnection connection)
    {
        var reply = await connection.RequestAsync<ListOffsetsResponse>(ApiKey.ListOffsets, 4, new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = 0, Timestamp = -1 }] }],
        });
        return reply.Topics.Single().Partitions.Single().Offset;
    }
}
