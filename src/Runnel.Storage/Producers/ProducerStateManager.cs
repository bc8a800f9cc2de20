using Runnel.Protocol;
using Runnel.Storage.Transactions;

namespace Runnel.Storage.Producers;

/// <summary>
/// Kafka's ProducerStateManager for one partition log: each producer's <see cref="ProducerStateEntry"/> (epoch,
/// coordinator epoch, newest batches, open transaction) and the partition's transactions (<see cref="TransactionTracker"/>).
/// Its checks answer as Kafka's ProducerAppendInfo: a retried batch that was already appended is a duplicate with its
/// original offset; a gap in the sequence is OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch is INVALID_PRODUCER_EPOCH;
/// a marker from an older coordinator epoch is TRANSACTION_COORDINATOR_FENCED. Its state follows every batch the log
/// appends (or replays at start-up) up to <see cref="MapEndOffset"/>, and is what a <c>.snapshot</c> file holds. Only
/// the owning log changes it, under its lock.
/// </summary>
internal sealed class ProducerStateManager
{
    private readonly Dictionary<long, ProducerStateEntry> _producers = [];
    private readonly TransactionTracker _transactions = new();

    /// <summary>The offset up to which the state reflects the log (Kafka's mapEndOffset).</summary>
    public long MapEndOffset { get; set; }

    public int ProducerCount => _producers.Count;

    /// <summary>The first offset of the oldest transaction not yet both decided and replicated, or -1.</summary>
    public long FirstUnstableOffset => _transactions.FirstUnstableOffset;

    public int OpenTransactionCount => _transactions.OpenCount;

    /// <summary>The first offset of <paramref name="producerId"/>'s open transaction, or -1.</summary>
    public long OpenTransactionStart(long producerId) => _producers.TryGetValue(producerId, out var entry) ? entry.CurrentTxnFirstOffset : -1;

    /// <summary>
    /// Every producer the state holds, by producer id, as DescribeProducers reports it (Kafka's activeProducers): epoch,
    /// the last sequence of its newest batch (-1 when none in this epoch), last timestamp, the coordinator epoch of its
    /// last marker and its open transaction's first offset (-1 when none).
    /// </summary>
    public List<ActiveProducer> ActiveProducers()
        => [.. _producers.Values.OrderBy(e => e.ProducerId).Select(e => new ActiveProducer(e.ProducerId, e.Epoch,
            e.Batches.Count == 0 ? -1 : e.Batches[^1].LastSequence, e.LastTimestamp, e.CoordinatorEpoch, e.CurrentTxnFirstOffset))];

    /// <summary>The checks of a producer's own batch (Kafka's origin CLIENT): the epoch, then the sequence.</summary>
    public SequenceCheck Check(in ProducerBatch batch)
    {
        if (!_producers.TryGetValue(batch.ProducerId, out var entry))
        {
            // A producer we have no state for (new, or its state is gone with the log it wrote): accept it, as Kafka
            // does since KIP-360 rather than fail a producer whose history was merely forgotten.
            return SequenceCheck.Accept;
        }
        if (batch.Epoch < entry.Epoch)
            return EpochFenced(batch.ProducerId, batch.Epoch, entry.Epoch);
        if (batch.Epoch > entry.Epoch)
        {
            return batch.FirstSequence == 0
                ? SequenceCheck.Accept
                : new(ErrorCode.OutOfOrderSequenceNumber, Message: $"A new epoch {batch.Epoch} of producer {batch.ProducerId} must start at sequence 0, not {batch.FirstSequence}.");
        }
        foreach (var recent in entry.Batches)
        {
            if (recent.FirstSequence == batch.FirstSequence && recent.LastSequence == batch.LastSequence)
                return new(ErrorCode.None, recent.FirstOffset);
        }
        var expected = entry.Batches.Count == 0 ? batch.FirstSequence : NextSequence(entry.Batches[^1].LastSequence);
        return batch.FirstSequence == expected
            ? SequenceCheck.Accept
            : new(ErrorCode.OutOfOrderSequenceNumber, Message: $"Producer {batch.ProducerId}: expected sequence {expected}, got {batch.FirstSequence}.");
    }

    /// <summary>The check of a batch the broker wrote for a producer (Kafka's origin COORDINATOR): the epoch only.</summary>
    public SequenceCheck CheckEpoch(long producerId, short epoch)
        => _producers.TryGetValue(producerId, out var entry) && epoch < entry.Epoch ? EpochFenced(producerId, epoch, entry.Epoch) : SequenceCheck.Accept;

    /// <summary>
    /// Kafka's checks of an end-transaction marker (appendEndTxnMarker): an epoch older than the producer's is
    /// INVALID_PRODUCER_EPOCH, a coordinator epoch older than the last marker's is TRANSACTION_COORDINATOR_FENCED.
    /// </summary>
    public SequenceCheck CheckMarker(long producerId, short epoch, int coordinatorEpoch)
    {
        if (!_producers.TryGetValue(producerId, out var entry))
            return SequenceCheck.Accept;
        if (epoch < entry.Epoch)
            return EpochFenced(producerId, epoch, entry.Epoch);
        if (coordinatorEpoch < entry.CoordinatorEpoch)
        {
            return new(ErrorCode.TransactionCoordinatorFenced,
                Message: $"Invalid coordinator epoch for producer {producerId}: {coordinatorEpoch} (zombie), {entry.CoordinatorEpoch} (current).");
        }
        return SequenceCheck.Accept;
    }

    /// <summary>
    /// An appended (or replayed) data batch of a producer: its epoch, its sequences (a batch without them, -1, only
    /// moves the epoch) and timestamp; a transactional one opens the producer's transaction at
    /// <paramref name="baseOffset"/> unless one is open already (Kafka's appendDataBatch).
    /// </summary>
    public void OnDataBatch(long producerId, short epoch, int baseSequence, int lastOffsetDelta, long baseOffset, long maxTimestamp, bool transactional)
    {
        var entry = EntryFor(producerId, epoch);
        entry.LastTimestamp = maxTimestamp;
        if (baseSequence >= 0)
        {
            var lastSequence = (int)(((long)baseSequence + lastOffsetDelta) % ((long)int.MaxValue + 1));
            entry.AddBatch(new ProducerBatchMetadata(lastSequence, baseOffset + lastOffsetDelta, lastOffsetDelta, maxTimestamp));
        }
        if (transactional && entry.CurrentTxnFirstOffset < 0)
        {
            entry.CurrentTxnFirstOffset = baseOffset;
            _transactions.OnStart(producerId, baseOffset);
        }
    }

    /// <summary>
    /// An appended (or replayed) commit or abort marker of a producer at <paramref name="markerOffset"/>: the
    /// producer's epoch and the coordinator epoch it carried are remembered, and the open transaction it ends is
    /// returned, or null when the producer had none here (an empty transaction, which Kafka neither indexes nor lets
    /// move the last stable offset). The transaction stays unstable until <see cref="OnHighWatermark"/> passes the marker.
    /// </summary>
    public CompletedTransaction? OnMarker(long producerId, short epoch, int coordinatorEpoch, bool commit, long markerOffset, long timestamp)
    {
        var entry = EntryFor(producerId, epoch);
        entry.CoordinatorEpoch = coordinatorEpoch;
        entry.LastTimestamp = timestamp;
        var first = entry.CurrentTxnFirstOffset;
        if (first < 0)
            return null;
        entry.CurrentTxnFirstOffset = -1;
        _transactions.OnEnd(first, markerOffset);
        return new CompletedTransaction(producerId, first, markerOffset, !commit);
    }

    /// <summary>See <see cref="TransactionTracker.LastStableOffsetAfter"/>.</summary>
    public long LastStableOffsetAfter(in CompletedTransaction completed) => _transactions.LastStableOffsetAfter(completed);

    /// <summary>Completed transactions whose marker is below <paramref name="highWatermark"/> become stable.</summary>
    public void OnHighWatermark(long highWatermark) => _transactions.OnHighWatermark(highWatermark);

    /// <summary>Forgets every producer and transaction; the state then reflects the log up to <paramref name="mapEndOffset"/> (an empty one).</summary>
    public void Clear(long mapEndOffset)
    {
        _producers.Clear();
        _transactions.Clear();
        MapEndOffset = mapEndOffset;
    }

    /// <summary>Each producer's entry as a snapshot holds it (Kafka keeps only the newest batch there).</summary>
    public List<ProducerSnapshotEntry> ToSnapshot() => [.. _producers.Values.Select(e => e.ToSnapshot())];

    /// <summary>Replaces the state with a snapshot's, taken at <paramref name="offset"/>: its open transactions are open again (Kafka's loadProducerEntry).</summary>
    public void Load(IEnumerable<ProducerSnapshotEntry> entries, long offset)
    {
        Clear(offset);
        foreach (var snapshot in entries)
        {
            var entry = ProducerStateEntry.FromSnapshot(snapshot);
            _producers[entry.ProducerId] = entry;
            if (entry.CurrentTxnFirstOffset >= 0)
                _transactions.OnStart(entry.ProducerId, entry.CurrentTxnFirstOffset);
        }
    }

    private ProducerStateEntry EntryFor(long producerId, short epoch)
    {
        if (!_producers.TryGetValue(producerId, out var entry))
        {
            entry = new ProducerStateEntry(producerId, epoch);
            _producers[producerId] = entry;
        }
        entry.MaybeUpdateEpoch(epoch);
        return entry;
    }

    private static SequenceCheck EpochFenced(long producerId, short epoch, short current)
        => new(ErrorCode.InvalidProducerEpoch, Message: $"Producer {producerId} epoch {epoch} is older than the current epoch {current}.");

    /// <summary>Sequences wrap from int.MaxValue to 0, as in Kafka.</summary>
    private static int NextSequence(int sequence) => sequence == int.MaxValue ? 0 : sequence + 1;
}
