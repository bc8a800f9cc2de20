using System.Buffers.Binary;
using Runnel.Protocol.Compression;

namespace Runnel.Protocol.Records;

// The individual rules, in the order Kafka meets them; each returns a failed result or default (valid).
public static partial class RecordBatchValidator
{
    private static RecordBatchValidationResult CheckFraming(ReadOnlySpan<byte> buffer, in RecordBatchValidationOptions options)
    {
        if (buffer.Length < RecordBatchHeader.LogOverhead)
            return Fail(RecordBatchError.Truncated, $"{buffer.Length} bytes cannot hold a batch's baseOffset and batchLength");
        var batchLength = BinaryPrimitives.ReadInt32BigEndian(buffer[RecordBatchHeader.BatchLengthOffset..]);
        if (batchLength < 0)
            return Fail(RecordBatchError.LengthTooSmall, $"batchLength {batchLength} is negative");
        if (buffer.Length <= RecordBatchHeader.MagicOffset)
            return Fail(RecordBatchError.Truncated, $"{buffer.Length} bytes end before the magic byte");

        // Legacy message sets keep their magic at offset 16 too (offset, size, crc, magic), so one byte tells them apart.
        var magic = (sbyte)buffer[RecordBatchHeader.MagicOffset];
        if (magic is 0 or 1)
            return Fail(RecordBatchError.LegacyMagic, $"magic {magic} is a legacy message set; only record batch v2 (magic 2, Kafka 0.11+) is accepted");
        if (magic != RecordBatch.CurrentMagic)
            return Fail(RecordBatchError.UnknownMagic, $"invalid magic {magic}");
        if (batchLength < RecordBatch.MinBatchLength)
            return Fail(RecordBatchError.LengthTooSmall, $"batchLength {batchLength} is below the {RecordBatch.MinBatchLength} bytes of a batch header");

        var size = (long)batchLength + RecordBatchHeader.LogOverhead;
        if (size > options.MaxBatchBytes)
            return Fail(RecordBatchError.TooLarge, $"the batch is {size} bytes, above the limit of {options.MaxBatchBytes}");
        if (size > buffer.Length)
            return Fail(RecordBatchError.Truncated, $"batchLength {batchLength} needs {size} bytes, {buffer.Length} remain");
        return default;
    }

    private static RecordBatchValidationResult CheckHeader(in RecordBatchHeader header, in RecordBatchValidationOptions options)
    {
        var codec = header.Attributes & RecordBatch.CompressionMask;
        if (codec > (int)CompressionType.Zstd)
            return Fail(RecordBatchError.UnsupportedCompression, $"unknown compression codec {codec}");
        if (header.Compression == CompressionType.Zstd && !options.AllowZstd)
            return Fail(RecordBatchError.UnsupportedCompression, "zstd batches need Produce v7 or later");
        if (header.IsTransactional && header.ProducerId < 0)
            return Fail(RecordBatchError.InvalidProducerState, "a transactional batch needs a producer id");

        if (!options.FromClient)
        {
            // Compaction keeps a batch's header (lastOffsetDelta, sequences) while it drops records, down to none.
            if (header.RecordCount < 0 || header.LastOffsetDelta < 0 || header.RecordCount > (long)header.LastOffsetDelta + 1)
                return Fail(RecordBatchError.InvalidCount, $"recordCount {header.RecordCount} does not fit lastOffsetDelta {header.LastOffsetDelta}");
            return default;
        }
        if (header.BaseOffset != 0)
            return Fail(RecordBatchError.InvalidBaseOffset, $"a produced batch's baseOffset must be 0, not {header.BaseOffset}");
        if (header.IsControl)
            return Fail(RecordBatchError.ControlBatchFromClient, "clients may not write control batches");
        if (header.IsLogAppendTime)
            return Fail(RecordBatchError.InvalidTimestamp, "producers may not set the timestamp type to LogAppendTime");
        if (header.RecordCount <= 0)
            return Fail(RecordBatchError.InvalidCount, $"the batch declares {header.RecordCount} records");
        if (header.LastOffsetDelta != header.RecordCount - 1)
            return Fail(RecordBatchError.InvalidCount, $"lastOffsetDelta {header.LastOffsetDelta} disagrees with recordCount {header.RecordCount}");
        if (header.ProducerId >= 0 && header.BaseSequence < 0)
            return Fail(RecordBatchError.InvalidProducerState, $"invalid sequence {header.BaseSequence} for producer id {header.ProducerId}");
        return default;
    }

    private static RecordBatchValidationResult WalkRecords(
        ReadOnlySpan<byte> batch, ReadOnlySpan<byte> records, in RecordBatchHeader header, in RecordBatchValidationOptions options, ref RecordBatchInfo info)
    {
        var fromClient = options.FromClient;
        var checkTimestamps = fromClient && (options.MinTimestamp != long.MinValue || options.MaxTimestamp != long.MaxValue);
        long maxTimestamp = -1;
        int maxTimestampDelta = -1, firstDelta = -1, previousDelta = -1, index = 0;
        var enumerator = new RecordEnumerator(batch[..RecordBatchHeader.Size], records);
        while (enumerator.MoveNext())
        {
            var record = enumerator.Current;
            var delta = record.OffsetDelta;
            if (fromClient ? delta != index : delta <= previousDelta || delta > header.LastOffsetDelta)
                return Fail(RecordBatchError.InvalidOffsetDelta, $"record {index} has offsetDelta {delta}");
            if (index == 0)
                firstDelta = delta;
            previousDelta = delta;
            var timestamp = record.Timestamp;
            if (timestamp > maxTimestamp)
            {
                maxTimestamp = timestamp;
                maxTimestampDelta = delta;
            }
            if (checkTimestamps && timestamp != -1 && (timestamp < options.MinTimestamp || timestamp > options.MaxTimestamp))
                return Fail(RecordBatchError.InvalidTimestamp, $"record {index} has timestamp {timestamp}, outside [{options.MinTimestamp}, {options.MaxTimestamp}]");
            if (options.RequireKeys && record.IsKeyNull)
                return Fail(RecordBatchError.MissingKey, $"record {index} has no key, which a compacted topic requires");
            if (header.IsControl)
            {
                var problem = ControlRecord.Check(record, header.IsTransactional);
                if (problem is not null)
                    return Fail(RecordBatchError.InvalidControlRecord, $"record {index}: {problem}");
            }
            index++;
        }
        if (enumerator.Error != RecordBatchError.None)
            return Fail(enumerator.Error, enumerator.ErrorMessage!);

        info = info with
        {
            FirstOffsetDelta = Math.Max(firstDelta, 0),
            MaxTimestamp = header.IsLogAppendTime ? header.MaxTimestamp : maxTimestamp,
            MaxTimestampOffsetDelta = header.IsLogAppendTime ? Math.Max(previousDelta, 0) : maxTimestampDelta,
        };
        return default;
    }

    private static RecordBatchValidationResult Fail(RecordBatchError error, string message) => RecordBatchValidationResult.Fail(error, message);
}
