using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Storage;

namespace Runnel.Broker.Transactions;

/// <summary>A producer id and epoch for the client, or the error it gets instead.</summary>
internal readonly record struct ProducerIdResult(ErrorCode Error, long ProducerId = -1, short ProducerEpoch = -1);

/// <summary>The clients' requests: InitProducerId, AddPartitionsToTxn (and AddOffsetsToTxn), EndTxn, as Kafka's TransactionCoordinator handles them.</summary>
internal sealed partial class TransactionCoordinator
{
    /// <summary>
    /// InitProducerId for a transactional id. A new id gets a new producer id at epoch 0; a known one has its epoch
    /// bumped (a new producer id once the epoch is exhausted), which fences its previous producer. A transaction the
    /// previous incarnation left open is aborted first (with the epoch bumped, so that producer is fenced at once) and
    /// the caller gets CONCURRENT_TRANSACTIONS, to retry once the abort completed. With <paramref name="expectedProducerId"/>
    /// (v3+, KIP-360) a producer recovering from an error keeps its id: its epoch is bumped if it is the current one,
    /// a retry of the last bump gets the same answer, and any other producer is PRODUCER_FENCED.
    /// </summary>
    public async Task<ProducerIdResult> InitProducerIdAsync(string transactionalId, int timeoutMs, long expectedProducerId, short expectedEpoch,
        CancellationToken cancellation)
    {
        if (transactionalId.Length == 0)
            return new(ErrorCode.InvalidRequest);
        if (timeoutMs <= 0 || timeoutMs > _config.MaxTimeoutMs)
            return new(ErrorCode.InvalidTransactionTimeout);
        var error = Locate(transactionalId, out var partition);
        if (error != ErrorCode.None)
            return new(error);
        var expected = expectedProducerId >= 0 ? (Id: expectedProducerId, Epoch: expectedEpoch) : ((long Id, short Epoch)?)null;
        if (!partition.Transactions.TryGetValue(transactionalId, out var metadata))
        {
            if (await NewProducerIdAsync(cancellation).ConfigureAwait(false) is not { } producerId)
                return new(ErrorCode.CoordinatorNotAvailable);
            var created = new TransactionSnapshot(producerId, -1, TransactionSnapshot.NoEpoch, TransactionSnapshot.NoEpoch, timeoutMs,
                TransactionState.Empty, new HashSet<TopicPartition>(), -1, NowMs);
            metadata = partition.Transactions.GetOrAdd(transactionalId, id => new TransactionMetadata(id, created));
        }
        // A rotation to a new producer id needs the id before the metadata's lock is taken.
        long? rotateTo = null;
        if (metadata.Current.EpochExhausted)
            rotateTo = await NewProducerIdAsync(cancellation).ConfigureAwait(false);
        TransactionSnapshot next;
        var fencing = false;
        lock (metadata)
        {
            var current = metadata.Current;
            // Dead: the id is being removed; a retry creates it afresh.
            if (metadata.HasPending || current.State == TransactionState.Dead)
                return new(ErrorCode.ConcurrentTransactions);
            if (expected is { } e && !(current.ProducerEpoch == TransactionSnapshot.NoEpoch || e.Id == current.ProducerId
                || (e.Id == current.PreviousProducerId && e.Epoch >= short.MaxValue - 1)))
            {
                return new(ErrorCode.ProducerFenced);
            }
            switch (current.State)
            {
                case TransactionState.PrepareCommit or TransactionState.PrepareAbort:
                    return new(ErrorCode.ConcurrentTransactions);
                case TransactionState.Ongoing:
                    // Never handed out: the client retries and gets an epoch bumped once more.
                    next = FencedAbort(current);
                    fencing = true;
                    break;
                case TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort:
                    if (current.EpochExhausted && (expected is null || expected.Value.Epoch == current.ProducerEpoch))
                    {
                        if (rotateTo is not { } producerId)
                            return new(ErrorCode.CoordinatorNotAvailable);
                        next = current with
                        {
                            ProducerId = producerId,
                            PreviousProducerId = current.ProducerId,
                            ProducerEpoch = 0,
                            LastProducerEpoch = expected is null ? TransactionSnapshot.NoEpoch : current.ProducerEpoch,
                            TimeoutMs = timeoutMs,
                            State = TransactionState.Empty,
                            Partitions = new HashSet<TopicPartition>(),
                            StartTimestampMs = -1,
                            LastUpdateTimestampMs = NowMs,
                        };
                        break;
                    }
                    if (BumpedEpoch(current, expected?.Epoch) is not { } epochs)
                        return new(ErrorCode.ProducerFenced);
                    next = current with
                    {
                        ProducerEpoch = epochs.Epoch,
                        LastProducerEpoch = epochs.Last,
                        TimeoutMs = timeoutMs,
                        State = TransactionState.Empty,
                        Partitions = new HashSet<TopicPartition>(),
                        StartTimestampMs = -1,
                        LastUpdateTimestampMs = NowMs,
                    };
                    break;
                default:
                    _logger.LogError("Transactional id {TransactionalId} is in state {State}, which InitProducerId never finds", transactionalId, current.State);
                    return new(ErrorCode.UnknownServerError);
            }
            metadata.Begin(next);
        }
        var written = await WriteAsync(partition, metadata, next).ConfigureAwait(false);
        if (written != ErrorCode.None)
            return new(written);
        if (fencing)
        {
            _logger.LogInformation("Aborting the open transaction of {TransactionalId}: a new producer initialised it (epoch now {Epoch})", transactionalId,
                next.ProducerEpoch);
            StartCompletion(partition, metadata);
            return new(ErrorCode.ConcurrentTransactions);
        }
        _logger.LogInformation("Initialised transactional id {TransactionalId} with producer id {ProducerId} and epoch {Epoch} on {Topic}-{Partition}",
            transactionalId, next.ProducerId, next.ProducerEpoch, TopicName, partition.Index);
        return new(ErrorCode.None, next.ProducerId, next.ProducerEpoch);
    }

    /// <summary>
    /// Kafka's prepareIncrementProducerEpoch: without an expected epoch the epoch is bumped and the last one forgotten;
    /// the current epoch (or none yet) is bumped and remembered; the last epoch is a retry of the bump that made the
    /// current one, answered with it unchanged; any other is fenced (null).
    /// </summary>
    private static (short Epoch, short Last)? BumpedEpoch(TransactionSnapshot current, short? expected)
    {
        var bumped = (short)(current.ProducerEpoch + 1);
        if (expected is not { } epoch)
            return (bumped, TransactionSnapshot.NoEpoch);
        if (current.ProducerEpoch == TransactionSnapshot.NoEpoch || epoch == current.ProducerEpoch)
            return (bumped, current.ProducerEpoch);
        if (epoch == current.LastProducerEpoch)
            return (current.ProducerEpoch, current.LastProducerEpoch);
        return null;
    }

    /// <summary>The abort of an open transaction the producer may not finish: PrepareAbort with the epoch bumped (Kafka's epoch fence).</summary>
    private TransactionSnapshot FencedAbort(TransactionSnapshot current) => current with
    {
        ProducerEpoch = (short)Math.Min(current.ProducerEpoch + 1, short.MaxValue),
        LastProducerEpoch = TransactionSnapshot.NoEpoch,
        State = TransactionState.PrepareAbort,
        LastUpdateTimestampMs = NowMs,
    };

    private async Task<long?> NewProducerIdAsync(CancellationToken cancellation)
    {
        try
        {
            return await _nextProducerId(cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning("No producer id for a transactional id: {Reason}", e.Message);
            return null;
        }
    }

    /// <summary>
    /// AddPartitionsToTxn (and AddOffsetsToTxn, with the group's __consumer_offsets partition): the partitions join the
    /// producer's transaction, which starts with the first of them. The id must be known and map to this producer id
    /// (else INVALID_PRODUCER_ID_MAPPING) at this epoch (else PRODUCER_FENCED); while a transition is being written or
    /// the transaction is ending, CONCURRENT_TRANSACTIONS.
    /// </summary>
    public async Task<ErrorCode> AddPartitionsAsync(string transactionalId, long producerId, short producerEpoch, IReadOnlyCollection<TopicPartition> partitions)
    {
        if (Find(transactionalId, out var partition, out var metadata) is var error and not ErrorCode.None)
            return error;
        await AwaitEndAsync(metadata).ConfigureAwait(false);
        TransactionSnapshot next;
        lock (metadata)
        {
            var current = metadata.Current;
            if (CheckProducer(current, producerId, producerEpoch) is var mismatch and not ErrorCode.None)
                return mismatch;
            if (metadata.HasPending || current.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort)
                return ErrorCode.ConcurrentTransactions;
            if (current.State == TransactionState.Ongoing && partitions.All(current.Partitions.Contains))
                return ErrorCode.None;
            var now = NowMs;
            next = current with
            {
                State = TransactionState.Ongoing,
                Partitions = new HashSet<TopicPartition>(current.Partitions.Concat(partitions)),
                StartTimestampMs = current.State is TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort
                    ? now : current.StartTimestampMs,
                LastUpdateTimestampMs = now,
            };
            metadata.Begin(next);
        }
        return await WriteAsync(partition, metadata, next).ConfigureAwait(false);
    }

    /// <summary>
    /// The id's coordinator state for a request that names a producer (Kafka's getTransactionState): INVALID_REQUEST for
    /// an empty id, the coordinator errors of <see cref="Locate"/>, INVALID_PRODUCER_ID_MAPPING for an id not known here.
    /// </summary>
    private ErrorCode Find(string transactionalId, out TransactionPartition partition, out TransactionMetadata metadata)
    {
        metadata = null!;
        if (transactionalId.Length == 0)
        {
            partition = null!;
            return ErrorCode.InvalidRequest;
        }
        if (Locate(transactionalId, out partition) is var error and not ErrorCode.None)
            return error;
        return partition.Transactions.TryGetValue(transactionalId, out metadata!) ? ErrorCode.None : ErrorCode.InvalidProducerIdMapping;
    }

    /// <summary>The request's producer against the id's: another producer id is INVALID_PRODUCER_ID_MAPPING, another epoch PRODUCER_FENCED.</summary>
    private static ErrorCode CheckProducer(TransactionSnapshot current, long producerId, short producerEpoch)
        => current.ProducerId != producerId ? ErrorCode.InvalidProducerIdMapping
            : current.ProducerEpoch != producerEpoch ? ErrorCode.ProducerFenced : ErrorCode.None;

    /// <summary>
    /// The first AddPartitionsToTxn of a producer's next transaction usually arrives while the previous one's markers
    /// are still being written. Kafka answers CONCURRENT_TRANSACTIONS and the client retries after its backoff (librdkafka
    /// and the Java client: about 20 ms, which then bounds a producer to some 50 transactions a second); here the request
    /// waits for that end instead, up to <see cref="EndWait"/>, and is then handled as if it had arrived just after it.
    /// </summary>
    private async Task AwaitEndAsync(TransactionMetadata metadata)
    {
        Task ending;
        lock (metadata)
        {
            if (metadata.Pending?.State is not (TransactionState.CompleteCommit or TransactionState.CompleteAbort))
                return;
            ending = metadata.Completion;
        }
        try
        {
            await ending.WaitAsync(EndWait, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Still ending: the caller answers CONCURRENT_TRANSACTIONS and the client retries.
        }
    }

    private static readonly TimeSpan EndWait = TimeSpan.FromSeconds(1);

    /// <summary>
    /// AddPartitionsToTxn v4+ with verify_only (KIP-890): whether each partition is in the producer's open transaction
    /// (NONE) or not (TRANSACTION_ABORTABLE); an error for the whole transaction applies to every partition.
    /// </summary>
    public IReadOnlyDictionary<TopicPartition, ErrorCode> VerifyPartitions(string transactionalId, long producerId, short producerEpoch,
        IReadOnlyCollection<TopicPartition> partitions)
    {
        Dictionary<TopicPartition, ErrorCode> All(ErrorCode error) => partitions.Distinct().ToDictionary(p => p, _ => error);
        if (Find(transactionalId, out _, out var metadata) is var error and not ErrorCode.None)
            return All(error);
        lock (metadata)
        {
            var current = metadata.Current;
            if (CheckProducer(current, producerId, producerEpoch) is var mismatch and not ErrorCode.None)
                return All(mismatch);
            if (current.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort)
                return All(ErrorCode.ConcurrentTransactions);
            return partitions.Distinct().ToDictionary(p => p, p => current.Partitions.Contains(p) ? ErrorCode.None : ErrorCode.TransactionAbortable);
        }
    }

    /// <summary>
    /// EndTxn: an open transaction moves to PrepareCommit or PrepareAbort; once that is in the log the client is
    /// answered and the markers are written in the background. A retry after the end completed the same way is NONE;
    /// one while the markers are still being written is CONCURRENT_TRANSACTIONS; ending the other way, or ending a
    /// transaction that never began, is INVALID_TXN_STATE.
    /// </summary>
    public async Task<ErrorCode> EndTransactionAsync(string transactionalId, long producerId, short producerEpoch, bool commit)
    {
        if (Find(transactionalId, out var partition, out var metadata) is var error and not ErrorCode.None)
            return error;
        TransactionSnapshot next;
        lock (metadata)
        {
            var current = metadata.Current;
            if (CheckProducer(current, producerId, producerEpoch) is var mismatch and not ErrorCode.None)
                return mismatch;
            if (metadata.HasPending)
                return ErrorCode.ConcurrentTransactions;
            switch (current.State)
            {
                case TransactionState.Ongoing:
                    next = current with { State = commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort, LastUpdateTimestampMs = NowMs };
                    break;
                case TransactionState.CompleteCommit:
                    return commit ? ErrorCode.None : ErrorCode.InvalidTxnState;
                case TransactionState.CompleteAbort:
                    return commit ? ErrorCode.InvalidTxnState : ErrorCode.None;
                case TransactionState.PrepareCommit:
                    return commit ? ErrorCode.ConcurrentTransactions : ErrorCode.InvalidTxnState;
                case TransactionState.PrepareAbort:
                    return commit ? ErrorCode.InvalidTxnState : ErrorCode.ConcurrentTransactions;
                default:
                    return ErrorCode.InvalidTxnState;
            }
            metadata.Begin(next);
        }
        var written = await WriteAsync(partition, metadata, next).ConfigureAwait(false);
        if (written == ErrorCode.None)
            StartCompletion(partition, metadata);
        return written;
    }
}
