using Runnel.Protocol;

namespace Runnel.Storage.Producers;

/// <summary>What an idempotent batch is, as far as the sequence checks go; -1 sequences for a batch without them (the group coordinator's).</summary>
public readonly record struct ProducerBatch(long ProducerId, short Epoch, int FirstSequence, int LastSequence);

/// <summary>The outcome of checking an idempotent batch against the producer's state.</summary>
public readonly record struct SequenceCheck(ErrorCode Error, long DuplicateOfOffset = -1, string? Message = null)
{
    public static readonly SequenceCheck Accept = new(ErrorCode.None);

    public bool IsDuplicate => DuplicateOfOffset >= 0;
}

/// <summary>
/// One batch a producer appended, as Kafka's BatchMetadata keeps it: its last sequence and last offset, how many
/// offsets it spans after its first (its last offset delta) and its max timestamp.
/// </summary>
internal readonly record struct ProducerBatchMetadata(int LastSequence, long LastOffset, int OffsetDelta, long Timestamp)
{
    public long FirstOffset => LastOffset - OffsetDelta;

    /// <summary>The first sequence, counting back across the wrap from int.MaxValue to 0 as Kafka's decrementSequence.</summary>
    public int FirstSequence => LastSequence < OffsetDelta ? int.MaxValue - (OffsetDelta - LastSequence) + 1 : LastSequence - OffsetDelta;
}

/// <summary>
/// One producer's entry in a <c>.snapshot</c> file, the fields of Kafka's ProducerSnapshot v1: last sequence, last
/// offset and offset delta of its newest batch (-1, -1, 0 when it has none), that batch's timestamp, the coordinator
/// epoch of its last marker (-1 before any) and the first offset of its open transaction (-1 when none).
/// </summary>
internal readonly record struct ProducerSnapshotEntry(long ProducerId, short Epoch, int LastSequence, long LastOffset, int OffsetDelta, long Timestamp,
    int CoordinatorEpoch, long CurrentTxnFirstOffset);

/// <summary>A producer as DescribeProducers reports it; -1 for what is not known.</summary>
public readonly record struct ActiveProducer(long ProducerId, short Epoch, int LastSequence, long LastTimestamp, int CoordinatorEpoch, long CurrentTxnStartOffset);
