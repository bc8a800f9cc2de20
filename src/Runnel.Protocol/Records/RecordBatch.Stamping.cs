using System.Buffers.Binary;

namespace Runnel.Protocol.Records;

// Stamping an accepted batch in place before it is appended. The CRC starts at attributes (offset 21), so the
// base offset and leader epoch change without it; the timestamp type and maxTimestamp are covered and need a new
// CRC, which is why Kafka (DefaultRecordBatch.setMaxTimestamp) recomputes it only when they change.
public static partial class RecordBatch
{
    /// <summary>Sets the offset of the first record; records keep their deltas. The CRC stays valid.</summary>
    public static void SetBaseOffset(Span<byte> batch, long baseOffset)
        => BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.BaseOffsetOffset..], baseOffset);

    /// <summary>Sets the leader epoch the batch was appended under. The CRC stays valid.</summary>
    public static void SetPartitionLeaderEpoch(Span<byte> batch, int epoch)
        => BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.PartitionLeaderEpochOffset..], epoch);

    /// <summary>The leader's stamp for every accepted batch: offset and epoch, CRC untouched.</summary>
    public static void Stamp(Span<byte> batch, long baseOffset, int partitionLeaderEpoch)
    {
        SetBaseOffset(batch, baseOffset);
        SetPartitionLeaderEpoch(batch, partitionLeaderEpoch);
    }

    /// <summary>
    /// Sets the timestamp type bit and maxTimestamp, recomputing the CRC when either changes; returns whether it did.
    /// For a LogAppendTime topic pass (<see cref="TimestampType.LogAppendTime"/>, now): readers then report that
    /// time for every record. baseTimestamp is left alone, as Kafka does: it keeps the producer's first timestamp.
    /// For CreateTime pass the records' real maximum (the validator's <see cref="RecordBatchInfo.MaxTimestamp"/>)
    /// to correct a producer that declared another.
    /// </summary>
    public static bool SetMaxTimestamp(Span<byte> batch, TimestampType type, long maxTimestamp)
    {
        var covered = RecordBatch.Covered(batch);
        var attributes = BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..]);
        var newAttributes = type == TimestampType.LogAppendTime
            ? (short)(attributes | RecordBatch.TimestampTypeMask)
            : (short)(attributes & ~RecordBatch.TimestampTypeMask);
        var current = BinaryPrimitives.ReadInt64BigEndian(batch[RecordBatchHeader.MaxTimestampOffset..]);
        if (newAttributes == attributes && current == maxTimestamp)
            return false;
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..], newAttributes);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.MaxTimestampOffset..], maxTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatchHeader.CrcOffset..], Crc32C.Compute(covered));
        return true;
    }
}
