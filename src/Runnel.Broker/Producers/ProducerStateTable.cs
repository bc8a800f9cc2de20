using Runnel.Protocol;

namespace Runnel.Broker.Producers;

/// <summary>What an idempotent batch is, as far as the sequence checks go; -1 sequences for a batch without them (the group coordinator's).</summary>
internal readonly record struct ProducerBatch(long ProducerId, short Epoch, int FirstSequence, int LastSequence);

/// <summary>The outcome of checking an idempotent batch against the producer's state.</summary>
internal readonly record struct SequenceCheck(ErrorCode Error, long DuplicateOfOffset = -1, string? Message = null)
{
    public static readonly SequenceCheck Accept = new(ErrorCode.None);

    public bool IsDuplicate => DuplicateOfOffset >= 0;
}

/// <summary>
/// Per partition, each producer's epoch, the coordinator epoch of its last transaction marker, and its last five
/// batches, as Kafka's ProducerStateManager keeps them (clients have at most five requests in flight): a retried batch
/// that was already appended is answered with its original offset instead of being appended twice; a gap in the
/// sequence is OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch is INVALID_PRODUCER_EPOCH; a marker from an older
/// coordinator epoch is TRANSACTION_COORDINATOR_FENCED. Which transactions are open is the log's to know (see
/// <see cref="Storage.PartitionLog.OpenTransactionStart"/>). Callers hold the partition's append lock across a check,
/// the append and the record, so the check and the state change are one step.
/// </summary>
internal sealed partial class ProducerStateTable
{
    public const int CachedBatches = 5;

    private readonly Dictionary<long, ProducerEntry> _producers = [];

    private sealed class ProducerEntry(short epoch)
    {
        public short Epoch { get; set; } = epoch;

        /// <summary>The coordinator epoch of the producer's last marker here; -1 before any.</summary>
        public int CoordinatorEpoch { get; set; } = -1;

        /// <summary>Newest last; at most <see cref="CachedBatches"/>.</summary>
        public List<(int FirstSequence, int LastSequence, long FirstOffset)> Recent { get; } = [];
    }

    public int Count => _producers.Count;

    /// <summary>The checks of a producer's own batch (Kafka's origin CLIENT): the epoch, then the sequence.</summary>
    public SequenceCheck Check(in ProducerBatch batch)
    {
        if (!_producers.TryGetValue(batch.ProducerId, out var entry))
        {
            // A producer we have no state for (new, or its state aged out of what start-up rebuilt): accept it, as
            // Kafka does since KIP-360 rather than fail a producer whose history was merely forgotten.
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
        foreach (var recent in entry.Recent)
        {
            if (recent.FirstSequence == batch.FirstSequence && recent.LastSequence == batch.LastSequence)
                return new(ErrorCode.None, recent.FirstOffset);
        }
        var expected = entry.Recent.Count == 0 ? batch.FirstSequence : NextSequence(entry.Recent[^1].LastSequence);
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

    /// <summary>Remembers an appended (or, at start-up, a replayed) data batch; one without sequences only moves the epoch.</summary>
    public void Record(in ProducerBatch batch, long firstOffset)
    {
        var entry = EntryFor(batch.ProducerId, batch.Epoch);
        if (batch.FirstSequence < 0)
            return;
        entry.Recent.Add((batch.FirstSequence, batch.LastSequence, firstOffset));
        if (entry.Recent.Count > CachedBatches)
            entry.Recent.RemoveAt(0);
    }

    /// <summary>Remembers an appended (or replayed) marker: the producer's epoch and the coordinator epoch it carried.</summary>
    public void RecordMarker(long producerId, short epoch, int coordinatorEpoch) => EntryFor(producerId, epoch).CoordinatorEpoch = coordinatorEpoch;

    /// <summary>The producer's entry at <paramref name="epoch"/>: a newer epoch forgets the batches (not the coordinator epoch), as Kafka's maybeUpdateProducerEpoch.</summary>
    private ProducerEntry EntryFor(long producerId, short epoch)
    {
        if (!_producers.TryGetValue(producerId, out var entry))
        {
            entry = new ProducerEntry(epoch);
            _producers[producerId] = entry;
        }
        else if (epoch > entry.Epoch)
        {
            entry.Epoch = epoch;
            entry.Recent.Clear();
        }
        return entry;
    }

    private static SequenceCheck EpochFenced(long producerId, short epoch, short current)
        => new(ErrorCode.InvalidProducerEpoch, Message: $"Producer {producerId} epoch {epoch} is older than the current epoch {current}.");

    /// <summary>Sequences wrap from int.MaxValue to 0, as in Kafka.</summary>
    private static int NextSequence(int sequence) => sequence == int.MaxValue ? 0 : sequence + 1;
}
