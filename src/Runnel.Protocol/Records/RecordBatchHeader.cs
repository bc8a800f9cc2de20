using System.Buffers.Binary;
using Runnel.Protocol.Compression;

namespace Runnel.Protocol.Records;

/// <summary>
/// The fixed 61-byte header of a record batch (magic 2), read in place. Layout (DefaultRecordBatch):
/// baseOffset int64 @0, batchLength int32 @8 (bytes after this field), partitionLeaderEpoch int32 @12, magic int8 @16,
/// crc uint32 @17 (CRC-32C of bytes 21..end), attributes int16 @21, lastOffsetDelta int32 @23, baseTimestamp int64 @27,
/// maxTimestamp int64 @35, producerId int64 @43, producerEpoch int16 @51, baseSequence int32 @53, recordCount int32 @57.
/// </summary>
public readonly struct RecordBatchHeader
{
    public const int Size = 61;
    public const int BaseOffsetOffset = 0;
    public const int BatchLengthOffset = 8;
    public const int PartitionLeaderEpochOffset = 12;
    public const int MagicOffset = 16;
    public const int CrcOffset = 17;
    public const int AttributesOffset = 21;
    public const int LastOffsetDeltaOffset = 23;
    public const int BaseTimestampOffset = 27;
    public const int MaxTimestampOffset = 35;
    public const int ProducerIdOffset = 43;
    public const int ProducerEpochOffset = 51;
    public const int BaseSequenceOffset = 53;
    public const int RecordCountOffset = 57;

    /// <summary>The bytes before batchLength's coverage begins: baseOffset and batchLength themselves.</summary>
    public const int LogOverhead = 12;

    public long BaseOffset { get; init; }
    public int BatchLength { get; init; }
    public int PartitionLeaderEpoch { get; init; }
    public sbyte Magic { get; init; }
    public uint Crc { get; init; }
    public short Attributes { get; init; }
    public int LastOffsetDelta { get; init; }
    public long BaseTimestamp { get; init; }
    public long MaxTimestamp { get; init; }
    public long ProducerId { get; init; }
    public short ProducerEpoch { get; init; }
    public int BaseSequence { get; init; }
    public int RecordCount { get; init; }

    /// <summary>The whole batch's size on the wire: batchLength plus the 12 bytes before it.</summary>
    public int TotalSize => BatchLength + LogOverhead;

    public long LastOffset => BaseOffset + LastOffsetDelta;

    /// <summary>The sequence of the last record (-1 without sequences), wrapping past int.MaxValue as Kafka's sequences do.</summary>
    public int LastSequence => BaseSequence < 0 ? -1 : (int)(((long)BaseSequence + LastOffsetDelta) % ((long)int.MaxValue + 1));

    public CompressionType Compression => (CompressionType)(Attributes & 0x07);

    public bool IsLogAppendTime => (Attributes & 0x08) != 0;

    public bool IsTransactional => (Attributes & 0x10) != 0;

    public bool IsControl => (Attributes & 0x20) != 0;

    public bool HasDeleteHorizon => (Attributes & 0x40) != 0;

    /// <summary>
    /// Reads the header fields from the start of <paramref name="batch"/>. Only the length is checked here;
    /// <c>RecordBatchValidator</c> decides whether the batch is sound.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> batch, out RecordBatchHeader header)
    {
        if (batch.Length < Size)
        {
            header = default;
            return false;
        }
        header = new RecordBatchHeader
        {
            BaseOffset = BinaryPrimitives.ReadInt64BigEndian(batch),
            BatchLength = BinaryPrimitives.ReadInt32BigEndian(batch[BatchLengthOffset..]),
            PartitionLeaderEpoch = BinaryPrimitives.ReadInt32BigEndian(batch[PartitionLeaderEpochOffset..]),
            Magic = (sbyte)batch[MagicOffset],
            Crc = BinaryPrimitives.ReadUInt32BigEndian(batch[CrcOffset..]),
            Attributes = BinaryPrimitives.ReadInt16BigEndian(batch[AttributesOffset..]),
            LastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(batch[LastOffsetDeltaOffset..]),
            BaseTimestamp = BinaryPrimitives.ReadInt64BigEndian(batch[BaseTimestampOffset..]),
            MaxTimestamp = BinaryPrimitives.ReadInt64BigEndian(batch[MaxTimestampOffset..]),
            ProducerId = BinaryPrimitives.ReadInt64BigEndian(batch[ProducerIdOffset..]),
            ProducerEpoch = BinaryPrimitives.ReadInt16BigEndian(batch[ProducerEpochOffset..]),
            BaseSequence = BinaryPrimitives.ReadInt32BigEndian(batch[BaseSequenceOffset..]),
            RecordCount = BinaryPrimitives.ReadInt32BigEndian(batch[RecordCountOffset..]),
        };
        return true;
    }
}
