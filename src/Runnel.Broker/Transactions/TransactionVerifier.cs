using Runnel.Broker.Handlers;
using Runnel.Broker.Quorum;
using Runnel.Net;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Storage;

namespace Runnel.Broker.Transactions;

/// <summary>
/// KIP-890 part 1 (Kafka's AddPartitionsToTxnManager): before a partition leader appends the first transactional
/// batch of a producer's transaction to a partition, it asks the transaction coordinator whether the partition was
/// added to that transaction (AddPartitionsToTxn v4 with verify_only; in-process when this node coordinates the id).
/// A batch for a partition that is not in the transaction is refused, so a late or stray write can never open a
/// transaction nobody will end (a hanging transaction).
/// </summary>
internal sealed class TransactionVerifier(MetadataQuorum quorum, InterBrokerConnections connections, Func<TransactionCoordinator?> localCoordinator, int localId,
    string listenerName)
{
    private const short Version = 4;

    /// <summary>
    /// NONE when <paramref name="partition"/> is in the open transaction of <paramref name="transactionalId"/> at
    /// <paramref name="producerId"/>/<paramref name="producerEpoch"/>; otherwise the error the produce answers, as
    /// Kafka translates it: INVALID_TXN_STATE for a partition not in the transaction (TRANSACTION_ABORTABLE from Produce
    /// v11, whose clients abort on it), INVALID_PRODUCER_EPOCH for a fenced producer, NOT_ENOUGH_REPLICAS (retried by
    /// every client) while the coordinator cannot answer.
    /// </summary>
    public async Task<ErrorCode> VerifyAsync(string transactionalId, long producerId, short producerEpoch, TopicPartition partition, short produceVersion,
        CancellationToken cancellation)
    {
        var error = await AskAsync(transactionalId, producerId, producerEpoch, partition, cancellation).ConfigureAwait(false);
        return error switch
        {
            ErrorCode.ConcurrentTransactions or ErrorCode.NetworkException or ErrorCode.CoordinatorLoadInProgress or ErrorCode.CoordinatorNotAvailable
                or ErrorCode.NotCoordinator => ErrorCode.NotEnoughReplicas,
            ErrorCode.ProducerFenced => ErrorCode.InvalidProducerEpoch,
            ErrorCode.TransactionAbortable when produceVersion < 11 => ErrorCode.InvalidTxnState,
            _ => error,
        };
    }

    private async Task<ErrorCode> AskAsync(string transactionalId, long producerId, short producerEpoch, TopicPartition partition, CancellationToken cancellation)
    {
        var image = quorum.Loader.Image;
        var found = FindCoordinatorHandler.CoordinatorIn(image, TransactionCoordinator.TopicName, transactionalId, listenerName);
        if (found.Error != ErrorCode.None)
            return ErrorCode.CoordinatorNotAvailable;
        if (found.NodeId == localId && localCoordinator() is { } local)
            return local.VerifyPartitions(transactionalId, producerId, producerEpoch, [partition])[partition];
        var request = new AddPartitionsToTxnRequest
        {
            Transactions =
            [
                new AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction
                {
                    TransactionalId = transactionalId,
                    ProducerId = producerId,
                    ProducerEpoch = producerEpoch,
                    VerifyOnly = true,
                    Topics = [new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic { Name = partition.Topic, Partitions = [partition.Partition] }],
                },
            ],
        };
        try
        {
            if (await connections.ToAsync(image, found.NodeId, cancellation).ConfigureAwait(false) is not { } connection)
                return ErrorCode.CoordinatorNotAvailable;
            var response = await connection.SendAsync<AddPartitionsToTxnResponse>(ApiKey.AddPartitionsToTxn, request, Version, cancellationToken: cancellation)
                .ConfigureAwait(false);
            if (response.ErrorCode != 0)
                return (ErrorCode)response.ErrorCode;
            var result = response.ResultsByTransaction.SingleOrDefault(t => t.TransactionalId == transactionalId)?.TopicResults
                .SingleOrDefault(t => t.Name == partition.Topic)?.ResultsByPartition.SingleOrDefault(p => p.PartitionIndex == partition.Partition);
            return result is null ? ErrorCode.UnknownServerError : (ErrorCode)result.PartitionErrorCode;
        }
        catch (Exception e) when (e is KafkaConnectionException or InvalidDataException or TimeoutException)
        {
            return ErrorCode.NetworkException;
        }
    }
}
