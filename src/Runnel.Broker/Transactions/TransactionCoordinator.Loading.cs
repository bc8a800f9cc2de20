using Microsoft.Extensions.Logging;

namespace Runnel.Broker.Transactions;

/// <summary>Loading a partition's transactional ids from its log.</summary>
internal sealed partial class TransactionCoordinator
{
    /// <summary>
    /// Replays the partition from its log start to its log end: the last record per id wins and a tombstone removes the
    /// id. The ids are installed and the partition becomes Active only if it is still loading; then every transaction
    /// found in PrepareCommit or PrepareAbort has its markers written (again) and is completed, as Kafka's coordinator
    /// resumes them after a failover.
    /// </summary>
    private async Task LoadAsync(TransactionPartition partition)
    {
        try
        {
            var found = new Dictionary<string, TransactionSnapshot>(StringComparer.Ordinal);
            var skipped = 0;
            await foreach (var record in _store.ReadAsync(partition.Index).ConfigureAwait(false))
            {
                if (partition.State == TransactionPartitionState.Closed)
                    return;
                if (record.Control is not null)
                    continue;
                if (!TransactionLog.TryRead(record.Key, record.Value, out var transactionalId, out var snapshot, out var failure))
                {
                    skipped++;
                    _logger.LogWarning("Skipped an unreadable record in {Topic}-{Partition}: {Failure}", TopicName, partition.Index, failure);
                    continue;
                }
                if (snapshot is null)
                    found.Remove(transactionalId);
                else
                    found[transactionalId] = snapshot;
            }
            foreach (var (transactionalId, snapshot) in found)
                partition.Transactions[transactionalId] = new TransactionMetadata(transactionalId, snapshot);
            if (!partition.FinishLoading(TransactionPartitionState.Active))
                return;
            _logger.LogInformation("Loaded {Count} transactional ids from {Topic}-{Partition} ({Skipped} unreadable records skipped)", found.Count, TopicName,
                partition.Index, skipped);
            foreach (var metadata in partition.Transactions.Values)
            {
                if (metadata.Current.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort)
                    StartCompletion(partition, metadata);
            }
        }
        catch (Exception e)
        {
            if (partition.FinishLoading(TransactionPartitionState.Failed))
                _logger.LogError(e, "Could not load {Topic}-{Partition}; its transactional ids answer NOT_COORDINATOR", TopicName, partition.Index);
        }
    }
}
