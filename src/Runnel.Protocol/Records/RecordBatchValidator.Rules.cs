using System.Buffers.Binary;
using Runnel.Protocol.Compression;

namespace Runnel.Protocol.Records;

// The individual rules, in the order Kafka meets them; each returns a failed result or default (valid).
public static partial class RecordBatchValidator
{
    private static RecordBatchValidationResult CheckFraming(ReadOnlySpan<byte> buffer, in RecordBatchValidationOptions options)
    {
        if (buffer.Length < RecordBatchHeader.LogOverhead)
            return Fail(RecordBatchError.Truncated, ProblemKind.ShortForLength, buffer.Length);
        var batchLength = BinaryPrimitives.ReadInt32BigEndian(buffer[RecordBatchHeader.BatchLengthOffset..]);
        if (batchLength < 0)
            return Fail(RecordBatchError.LengthTooSmall, ProblemKind.NegativeLength, batchLength);
        if (buffer.Length <= RecordBatchHeader.MagicOffset)
            return Fail(RecordBatchError.Truncated, ProblemKind.ShortForMagic, buffer.Length);

        // Legacy message sets keep their magic at offset 16 too (offset, size, crc, magic), so one byte tells them apart.
        var magic = (sbyte)buffer[RecordBatchHeader.MagicOffset];
        if (magic is 0 or 1)
            return Fail(RecordBatchError.LegacyMagic, ProblemKind.LegacyMagic, magic);
        if (magic != RecordBatch.CurrentMagic)
            return Fail(RecordBatchError.UnknownMagic, ProblemKind.UnknownMagic, magic);
        if (batchLength < RecordBatch.MinBatchLength)
            return Fail(RecordBatchError.LengthTooSmall, ProblemKind.LengthBelowHeader, batchLength);

        var size = (long)batchLength + RecordBatchHeader.LogOverhead;
        if (size > options.MaxBatchBytes)
            return Fail(RecordBatchError.TooLarge, ProblemKind.TooLarge, size, options.MaxBatchBytes);
        if (size > buffer.Length)
            return Fail(RecordBatchError.Truncated, ProblemKind.Truncated, batchLength, size, buffer.Length);
        return default;
    }

    private static RecordBatchValidationResult CheckHeader(in RecordBatchHeader header, in RecordBatchValidationOptions options)
    {
        var codec = header.Attributes & RecordBatch.CompressionMask;
        if (codec > (int)CompressionType.Zstd)
            return Fail(RecordBatchError.UnsupportedCompression, ProblemKind.UnknownCodec, codec);
        if (header.Compression == CompressionType.Zstd && !options.AllowZstd)
            return Fail(RecordBatchError.UnsupportedCompression, ProblemKind.ZstdNotAllowed);
        if (header.IsTransactional && header.ProducerId < 0)
            return Fail(RecordBatchError.InvalidProducerState, ProblemKind.TransactionalWithoutProducer);

        if (!options.FromClient)
        {
            // Compaction keeps a batch's header (lastOffsetDelta, sequences) while it drops records, down to none.
            if (header.RecordCount < 0 || header.LastOffsetDelta < 0 || header.RecordCount > (long)header.LastOffsetDelta + 1)
                return Fail(RecordBatchError.InvalidCount, ProblemKind.CountBeyondOffsets, header.RecordCount, header.LastOffsetDelta);
            return default;
        }
        if (header.BaseOffset != 0)
            return Fail(RecordBatchError.InvalidBaseOffset, ProblemKind.BaseOffsetNotZero, header.BaseOffset);
        if (header.IsControl)
            return Fail(RecordBatchError.ControlBatchFromClient, ProblemKind.ControlFromClient);
        if (header.IsLogAppendTime)
            return Fail(RecordBatchError.InvalidTimestamp, ProblemKind.LogAppendTimeFromClient);
        if (header.RecordCount <= 0)
            return Fail(RecordBatchError.InvalidCount, ProblemKind.NoRecords, header.RecordCount);
        if (header.LastOffsetDelta != header.RecordCount - 1)
            return Fail(RecordBatchError.InvalidCount, ProblemKind.LastOffsetDeltaMismatch, header.LastOffsetDelta, header.RecordCount);
        if (header.ProducerId >= 0 && header.BaseSequence < 0)
            return Fail(RecordBatchError.InvalidProducerState, ProblemKind.InvalidSequence, header.BaseSequence, header.ProducerId);
        return default;
    }

    private static RecordBatchValidationResult WalkRecords(
        ReadOnlySpan<byte> batch, ReadOnlySpan<byte> records, in RecordBatchHeader header, in RecordBatchValidationOptions options, ref RecordBatchInfo info)
    {
        // Copied to locals: the options and header are reached through references the loop's calls could alias.
        var fromClient = options.FromClient;
        var requireKeys = options.RequireKeys;
        var (minTimestamp, maxAllowed) = (options.MinTimestamp, options.MaxTimestamp);
        var checkTimestamps = fromClient && (minTimestamp != long.MinValue || maxAllowed != long.MaxValue);
        var (lastOffsetDelta, isControl, isTransactional) = (header.LastOffsetDelta, header.IsControl, header.IsTransactional);
        long maxTimestamp = -1;
        int maxTimestampDelta = -1, firstDelta = -1, previousDelta = -1, index = 0;
        var enumerator = new RecordEnumerator(batch[..RecordBatchHeader.Size], records);
        while (enumerator.MoveNext())
        {
            ref readonly var fields = ref enumerator.Fields;
            var delta = fields.OffsetDelta;
            if (fromClient ? delta != index : delta <= previousDelta || delta > lastOffsetDelta)
                return FailRecord(RecordBatchError.InvalidOffsetDelta, ProblemKind.OffsetDelta, index, delta, fromClient ? index : -1);
            if (index == 0)
                firstDelta = delta;
            previousDelta = delta;
            var timestamp = enumerator.Timestamp;
            if (timestamp > maxTimestamp)
            {
                maxTimestamp = timestamp;
                maxTimestampDelta = delta;
            }
            if (checkTimestamps && timestamp != -1 && (timestamp < minTimestamp || timestamp > maxAllowed))
                return FailRecord(RecordBatchError.InvalidTimestamp, ProblemKind.TimestampOutOfRange, index, timestamp, minTimestamp, maxAllowed);
            if (requireKeys && fields.KeyLength < 0)
                return FailRecord(RecordBatchError.MissingKey, ProblemKind.MissingKey, index);
            if (isControl && ControlRecord.Check(enumerator.Current, isTransactional) is var problem and not ProblemKind.None)
                return FailRecord(RecordBatchError.InvalidControlRecord, problem, index);
            index++;
        }
        if (enumerator.Error != RecordBatchError.None)
            return RecordBatchValidationResult.Fail(enumerator.Problem);

        info = info with
        {
            FirstOffsetDelta = Math.Max(firstDelta, 0),
            MaxTimestamp = header.IsLogAppendTime ? header.MaxTimestamp : maxTimestamp,
            MaxTimestampOffsetDelta = header.IsLogAppendTime ? Math.Max(previousDelta, 0) : maxTimestampDelta,
        };
        return default;
    }

    private static RecordBatchValidationResult Fail(RecordBatchError error, ProblemKind kind, long a = 0, long b = 0, long c = 0)
        => RecordBatchValidationResult.Fail(new BatchProblem(error, kind, a, b, c));

    private static RecordBatchValidationResult FailRecord(RecordBatchError error, ProblemKind kind, int record, long a = 0, long b = 0, long c = 0)
        => RecordBatchValidationResult.Fail(new BatchProblem(error, kind, a, b, c, record));
}
