using Runnel.Storage;

namespace Runnel.Broker.Transactions;

/// <summary>The end of a producer's transaction, to be written to each of its partitions as a control batch.</summary>
internal sealed record TransactionMarker(long ProducerId, short ProducerEpoch, bool Commit, int CoordinatorEpoch, IReadOnlyCollection<TopicPartition> Partitions);

/// <summary>Writes transaction markers to the leaders of the partitions (WriteTxnMarkers); in tests, to memory.</summary>
internal interface ITransactionMarkerWriter
{
    /// <summary>
    /// Writes <paramref name="marker"/> until every partition has it (a partition whose topic no longer exists needs
    /// none), retrying through leader changes and lost connections. True once written everywhere; false when a leader
    /// refused it for good (TRANSACTION_COORDINATOR_FENCED or INVALID_PRODUCER_EPOCH: a newer coordinator or producer
    /// epoch is known there). Throws OperationCanceledException when <paramref name="stop"/> fires.
    /// </summary>
    Task<bool> WriteAsync(TransactionMarker marker, CancellationToken stop);
}
