using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Storage;

namespace Runnel.Broker.Transactions;

/// <summary>Ending transactions: the markers and the Complete state, the abort of timed-out ones, and the expiry of idle ids.</summary>
internal sealed partial class TransactionCoordinator
{
    private static readonly TimeSpan RetryBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// For a transaction whose PrepareCommit or PrepareAbort is in the log: CompleteCommit or CompleteAbort becomes the
    /// pending transition at once (so the id answers CONCURRENT_TRANSACTIONS until the end is complete, as in Kafka),
    /// and in the background the markers are written to every partition of the transaction, then the Complete state.
    /// </summary>
    private void StartCompletion(TransactionPartition partition, TransactionMetadata metadata)
    {
        lock (metadata)
        {
            var prepared = metadata.Current;
            if (metadata.HasPending || prepared.State is not (TransactionState.PrepareCommit or TransactionState.PrepareAbort))
                return;
            var complete = metadata.Begin(prepared with
            {
                State = prepared.State == TransactionState.PrepareCommit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort,
                Partitions = new HashSet<TopicPartition>(),
                LastUpdateTimestampMs = NowMs,
            });
            metadata.Completion = Task.Run(() => CompleteAsync(partition, metadata, prepared, complete));
        }
    }

    /// <summary>The background work under way for <paramref name="transactionalId"/> (an end, an abort, an expiry); completed when none is.</summary>
    internal Task CompletionOf(string transactionalId)
        => IsActive && Owned(PartitionFor(transactionalId))?.Transactions.GetValueOrDefault(transactionalId) is { } metadata ? metadata.Completion : Task.CompletedTask;

    private async Task CompleteAsync(TransactionPartition partition, TransactionMetadata metadata, TransactionSnapshot prepared, TransactionSnapshot complete)
    {
        var commit = prepared.State == TransactionState.PrepareCommit;
        var marker = new TransactionMarker(prepared.ProducerId, prepared.ProducerEpoch, commit, partition.CoordinatorEpoch, [.. prepared.Partitions]);
        try
        {
            if (!await _markers.WriteAsync(marker, partition.Closed).ConfigureAwait(false))
            {
                _logger.LogWarning("Stopped ending the transaction of {TransactionalId}: a partition leader knows a newer coordinator or producer epoch",
                    metadata.TransactionalId);
                Abandon(metadata, complete);
                return;
            }
            while (true)
            {
                var error = await WriteAsync(partition, metadata, complete).ConfigureAwait(false);
                if (error == ErrorCode.None)
                {
                    _logger.LogDebug("Completed the {Result} of {TransactionalId} (producer {ProducerId}, epoch {Epoch}) on {Count} partitions",
                        commit ? "commit" : "abort", metadata.TransactionalId, prepared.ProducerId, prepared.ProducerEpoch, prepared.Partitions.Count);
                    return;
                }
                if (!partition.IsActive || Owned(partition.Index) != partition)
                    return;
                // Retriable (the ISR is short, say): the markers are written, only the state record is missing.
                await Task.Delay(RetryBackoff, _time, partition.Closed).ConfigureAwait(false);
                lock (metadata)
                {
                    if (metadata.HasPending)
                        return;
                    metadata.Begin(complete);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Unloaded: the next coordinator of the partition resumes the end from the Prepare state in the log.
            Abandon(metadata, complete);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Ending the transaction of {TransactionalId} failed", metadata.TransactionalId);
            Abandon(metadata, complete);
        }
    }

    private static void Abandon(TransactionMetadata metadata, TransactionSnapshot pending)
    {
        lock (metadata)
        {
            if (metadata.Pending == pending)
                metadata.Abandon();
        }
    }

    /// <summary>
    /// Until <paramref name="stopping"/>: every transaction.abort.timed.out.transaction.cleanup.interval.ms the open
    /// transactions older than their timeout are aborted (their producer fenced), and every
    /// transaction.remove.expired.transaction.cleanup.interval.ms idle ids are removed.
    /// </summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var nextRemoval = _time.GetUtcNow() + _config.RemoveExpiredInterval;
        using var timer = new PeriodicTimer(_config.AbortTimedOutInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                AbortTimedOut();
                if (_time.GetUtcNow() >= nextRemoval)
                {
                    nextRemoval = _time.GetUtcNow() + _config.RemoveExpiredInterval;
                    RemoveExpired();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Aborts, with the producer's epoch bumped, every open transaction here that began longer than its timeout ago.</summary>
    public void AbortTimedOut()
    {
        var now = NowMs;
        foreach (var partition in ActivePartitions())
        {
            foreach (var metadata in partition.Transactions.Values)
            {
                TransactionSnapshot next;
                lock (metadata)
                {
                    var current = metadata.Current;
                    if (metadata.HasPending || current.State != TransactionState.Ongoing || current.StartTimestampMs + current.TimeoutMs > now)
                        continue;
                    next = metadata.Begin(FencedAbort(current));
                }
                _logger.LogInformation("Aborting the transaction of {TransactionalId} (producer {ProducerId}): open longer than its timeout of {Timeout} ms",
                    metadata.TransactionalId, next.ProducerId, next.TimeoutMs);
                metadata.Completion = AbortAsync(partition, metadata, next);
            }
        }
    }

    private async Task AbortAsync(TransactionPartition partition, TransactionMetadata metadata, TransactionSnapshot next)
    {
        if (await WriteAsync(partition, metadata, next).ConfigureAwait(false) == ErrorCode.None)
        {
            StartCompletion(partition, metadata);
            await metadata.Completion.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Removes ids without an open transaction whose last update is older than transactional.id.expiration.ms: a
    /// tombstone is written, then the id is forgotten (Kafka's removeExpiredTransactionalIds).
    /// </summary>
    public void RemoveExpired()
    {
        var now = NowMs;
        foreach (var partition in ActivePartitions())
        {
            foreach (var metadata in partition.Transactions.Values)
            {
                TransactionSnapshot dead;
                lock (metadata)
                {
                    var current = metadata.Current;
                    if (metadata.HasPending || current.State is not (TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort)
                        || current.LastUpdateTimestampMs + _config.IdExpirationMs > now)
                    {
                        continue;
                    }
                    dead = metadata.Begin(current with { State = TransactionState.Dead, Partitions = new HashSet<TopicPartition>() });
                }
                metadata.Completion = ExpireAsync(partition, metadata, dead);
            }
        }
    }

    private async Task ExpireAsync(TransactionPartition partition, TransactionMetadata metadata, TransactionSnapshot dead)
    {
        if (await WriteAsync(partition, metadata, dead).ConfigureAwait(false) != ErrorCode.None)
            return;
        partition.Transactions.TryRemove(new KeyValuePair<string, TransactionMetadata>(metadata.TransactionalId, metadata));
        _logger.LogInformation("Removed the expired transactional id {TransactionalId}", metadata.TransactionalId);
    }
}
