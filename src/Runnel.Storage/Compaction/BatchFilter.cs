using System.Buffers.Binary;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Storage.Compaction;

/// <summary>What compaction decided for one batch.</summary>
internal enum BatchFate
{
    KeepWhole,
    Rewritten,
    Drop,
}

/// <summary>
/// Rewrites one batch keeping only the records compaction retains. Records are read with the Protocol's
/// <see cref="RecordEnumerator"/> and kept as their exact wire bytes: the batch keeps its base offset, base timestamp
/// and lastOffsetDelta (as Kafka's cleaner does, so producer sequences stay valid), so each kept record's offset and
/// timestamp deltas still hold. Only recordCount, maxTimestamp, the length and the CRC change; compressed batches are
/// recompressed with their own codec.
/// </summary>
internal sealed class BatchFilter : IDisposable
{
    private readonly KafkaWriter _scratch = new();
    private readonly KafkaWriter _records = new();

    /// <summary>Decides each record's fate with <paramref name="keep"/>(offset, key, key is null, value is null, timestamp).</summary>
    public BatchFate Filter(ReadOnlySpan<byte> batch, KeepRecord keep, bool keepEmpty, KafkaWriter output)
    {
        var attributes = BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..]);
        var codec = (CompressionType)(attributes & 0x07);
        _records.Reset();
        var enumerator = RecordBatch.ReadRecords(batch, _scratch, Segments.SegmentFiles.MaxUncompressedBatchBytes);
        int total = 0, kept = 0;
        var position = 0;
        var maxTimestamp = -1L;
        ReadOnlySpan<byte> section = codec == CompressionType.None ? batch[RecordBatchHeader.Size..] : _scratch.WrittenSpan;
        while (enumerator.MoveNext())
        {
            var record = enumerator.Current;
            total++;
            if (keep(record.Offset, record.Key, record.IsKeyNull, record.IsValueNull, record.Timestamp))
            {
                kept++;
                maxTimestamp = Math.Max(maxTimestamp, record.Timestamp);
                _records.WriteRaw(section.Slice(position, record.SizeInBytes));
            }
            position += record.SizeInBytes;
        }
        // A batch whose records cannot be read is kept as it is: compaction must never lose what it does not understand.
        if (enumerator.Error != RecordBatchError.None || kept == total)
            return BatchFate.KeepWhole;
        if (kept == 0 && !keepEmpty)
            return BatchFate.Drop;

        var start = output.Length;
        output.WriteRaw(batch[..RecordBatchHeader.Size]);
        if (kept > 0 && codec != CompressionType.None)
            CompressionCodecs.Compress(codec, _records.WrittenSpan, output);
        else
            output.WriteRaw(_records.WrittenSpan);
        var size = output.Length - start;
        var header = output.WrittenRegion(start, RecordBatchHeader.Size);
        BinaryPrimitives.WriteInt32BigEndian(header[RecordBatchHeader.BatchLengthOffset..], size - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(header[RecordBatchHeader.RecordCountOffset..], kept);
        if (kept == 0)
            BinaryPrimitives.WriteInt16BigEndian(header[RecordBatchHeader.AttributesOffset..], (short)(attributes & ~0x07));
        if ((attributes & 0x08) == 0 && kept > 0)
            BinaryPrimitives.WriteInt64BigEndian(header[RecordBatchHeader.MaxTimestampOffset..], maxTimestamp);
        var crc = Crc32C.Compute(output.WrittenRegion(start + RecordBatchHeader.AttributesOffset, size - RecordBatchHeader.AttributesOffset));
        BinaryPrimitives.WriteUInt32BigEndian(header[RecordBatchHeader.CrcOffset..], crc);
        return BatchFate.Rewritten;
    }

    public void Dispose()
    {
        _scratch.Dispose();
        _records.Dispose();
    }
}

/// <summary>Whether compaction keeps a record.</summary>
internal delegate bool KeepRecord(long offset, ReadOnlySpan<byte> key, bool keyIsNull, bool valueIsNull, long timestamp);
