using Runnel.Protocol;
using Runnel.Storage;

namespace Runnel.Broker.Transactions;

/// <summary>One transactional id as ListTransactions and DescribeTransactions show it.</summary>
internal sealed record TransactionListing(string TransactionalId, long ProducerId, short ProducerEpoch, TransactionState State, int TimeoutMs,
    long StartTimestampMs, long LastUpdateTimestampMs, IReadOnlyCollection<TopicPartition> Partitions);

/// <summary>What the admin APIs see: ListTransactions and DescribeTransactions.</summary>
internal sealed partial class TransactionCoordinator
{
    /// <summary>
    /// The ids of every partition loaded here, filtered as Kafka's listTransactionStates filters (each filter empty:
    /// no filter; a duration of d ms: transactions open longer than d). COORDINATOR_LOAD_IN_PROGRESS while a partition
    /// led here still loads; COORDINATOR_NOT_AVAILABLE on a node without a coordinator.
    /// </summary>
    public (ErrorCode Error, List<TransactionListing> Transactions) List(IReadOnlySet<TransactionState> states, IReadOnlySet<long> producerIds, long minDurationMs)
    {
        if (!IsActive)
            return (ErrorCode.CoordinatorNotAvailable, []);
        var loading = false;
        for (var i = 0; i < _partitionCount; i++)
            loading |= Owned(i)?.State == TransactionPartitionState.Loading;
        if (loading)
            return (ErrorCode.CoordinatorLoadInProgress, []);
        var now = NowMs;
        var listed = new List<TransactionListing>();
        foreach (var partition in ActivePartitions())
        {
            foreach (var metadata in partition.Transactions.Values)
            {
                var listing = Listing(metadata);
                if (listing.State == TransactionState.Dead)
                    continue;
                if ((states.Count == 0 || states.Contains(listing.State)) && (producerIds.Count == 0 || producerIds.Contains(listing.ProducerId))
                    && (minDurationMs < 0 || (listing.State == TransactionState.Ongoing && now - listing.StartTimestampMs > minDurationMs)))
                {
                    listed.Add(listing);
                }
            }
        }
        return (ErrorCode.None, listed);
    }

    /// <summary>One id as DescribeTransactions shows it; TRANSACTIONAL_ID_NOT_FOUND when it is not known (or being removed).</summary>
    public (ErrorCode Error, TransactionListing? Transaction) Describe(string transactionalId)
    {
        if (!IsActive)
            return (ErrorCode.CoordinatorNotAvailable, null);
        if (transactionalId.Length == 0)
            return (ErrorCode.InvalidRequest, null);
        var error = Locate(transactionalId, out var partition);
        if (error != ErrorCode.None)
            return (error, null);
        if (!partition.Transactions.TryGetValue(transactionalId, out var metadata) || Listing(metadata) is not { State: not TransactionState.Dead } listing)
            return (ErrorCode.TransactionalIdNotFound, null);
        return (ErrorCode.None, listing);
    }

    private static TransactionListing Listing(TransactionMetadata metadata)
    {
        lock (metadata)
        {
            var current = metadata.Current;
            return new TransactionListing(metadata.TransactionalId, current.ProducerId, current.ProducerEpoch, current.State, current.TimeoutMs,
                current.StartTimestampMs, current.LastUpdateTimestampMs, [.. current.Partitions]);
        }
    }
}
