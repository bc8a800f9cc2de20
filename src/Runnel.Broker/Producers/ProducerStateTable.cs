using Runnel.Protocol;

namespace Runnel.Broker.Producers;

/// <summary>What an idempotent batch is, as far as the sequence checks go.</summary>
internal readonly record struct ProducerBatch(long ProducerId, short Epoch, int FirstSequence, int LastSequence);

/// <summary>The outcome of checking an idempotent batch against the producer's state.</summary>
internal readonly record struct SequenceCheck(ErrorCode Error, long DuplicateOfOffset = -1, string? Message = null)
{
    public static readonly SequenceCheck Accept = new(ErrorCode.None);

    public bool IsDuplicate => DuplicateOfOffset >= 0;
}

/// <summary>
/// Per partition, each idempotent producer's epoch and its last five batches, as Kafka's ProducerStateManager keeps
/// them (clients have at most five requests in flight): a retried batch that was already appended is answered
/// with its original offset instead of being appended twice; a gap in the sequence is OUT_OF_ORDER_SEQUENCE_NUMBER;
/// an older epoch is INVALID_PRODUCER_EPOCH. Callers hold the partition's append lock across Check, the append and
/// Record, so the check and the state change are one step.
/// </summary>
internal sealed class ProducerStateTable
{
    public const int CachedBatches = 5;

    private readonly Dictionary<long, ProducerEntry> _producers = [];

    private sealed class ProducerEntry(short epoch)
    {
        public short Epoch { get; set; } = epoch;

        /// <summary>Newest last; at most <see cref="CachedBatches"/>.</summary>
        public List<(int FirstSequence, int LastSequence, long FirstOffset)> Recent { get; } = [];
    }

    public int Count => _producers.Count;

    public SequenceCheck Check(in ProducerBatch batch)
    {
        if (!_producers.TryGetValue(batch.ProducerId, out var entry))
        {
            // A producer we have no state for (new, or its state aged out of what start-up rebuilt): accept it, as
            // Kafka does since KIP-360 rather than fail a producer whose history was merely forgotten.
            return SequenceCheck.Accept;
        }
        if (batch.Epoch < entry.Epoch)
            return new(ErrorCode.InvalidProducerEpoch, Message: $"Producer {batch.ProducerId} epoch {batch.Epoch} is older than the current epoch {entry.Epoch}.");
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

    /// <summary>Remembers an appended (or, at start-up, a replayed) batch.</summary>
    public void Record(in ProducerBatch batch, long firstOffset)
    {
        if (!_producers.TryGetValue(batch.ProducerId, out var entry) || batch.Epoch > entry.Epoch)
        {
            entry = new ProducerEntry(batch.Epoch);
            _producers[batch.ProducerId] = entry;
        }
        entry.Recent.Add((batch.FirstSequence, batch.LastSequence, firstOffset));
        if (entry.Recent.Count > CachedBatches)
            entry.Recent.RemoveAt(0);
    }

    /// <summary>Sequences wrap from int.MaxValue to 0, as in Kafka.</summary>
    private static int NextSequence(int sequence) => sequence == int.MaxValue ? 0 : sequence + 1;
}
