using System.Buffers.Binary;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Primitives;

namespace Runnel.Protocol.Records;

/// <summary>
/// Decides whether batches from the network or the disk may be appended, without trusting a single length in them:
/// framing, magic, size limit, CRC, header rules, then a walk over every record (decompressed, under a limit, when
/// the batch is compressed), as Kafka's ProduceRequest.validateRecords, UnifiedLog.analyzeAndValidateRecords and
/// LogValidator do together. Returns the first problem found; never throws for bad input.
/// </summary>
public static partial class RecordBatchValidator
{
    /// <summary>
    /// Validates every batch in <paramref name="buffer"/> (a partition's records field): each must be whole and
    /// sound, nothing may follow the last one, and with <see cref="RecordBatchValidationOptions.SingleBatch"/> there
    /// must be exactly one. <paramref name="firstBatch"/> describes the first batch — the only one for a Produce request;
    /// use <see cref="ValidateBatch"/> in a loop to get every batch's details.
    /// </summary>
    /// <param name="scratch">Where compressed records are decompressed (overwritten); a pooled buffer is used when null.</param>
    public static RecordBatchValidationResult Validate(
        ReadOnlySpan<byte> buffer, in RecordBatchValidationOptions options, out RecordBatchInfo firstBatch, KafkaWriter? scratch = null)
    {
        firstBatch = default;
        if (buffer.IsEmpty)
            return Fail(RecordBatchError.Empty, ProblemKind.Empty);
        int position = 0, batches = 0, records = 0;
        RecordBatchInfo info = default;
        while (position < buffer.Length)
        {
            var rest = buffer[position..];
            var result = batches > 0 && (options.SingleBatch || rest.Length < RecordBatchHeader.Size)
                ? Fail(RecordBatchError.UnexpectedBytes, ProblemKind.UnexpectedBytes, rest.Length, options.SingleBatch ? 1 : 0)
                : ValidateBatch(rest, options, out info, scratch);
            if (!result.IsValid)
                return result with { BatchCount = batches, ValidBytes = position, RecordCount = records };
            if (batches == 0)
                firstBatch = info;
            batches++;
            records += info.RecordCount;
            position += info.SizeInBytes;
        }
        return new RecordBatchValidationResult { BatchCount = batches, ValidBytes = position, RecordCount = records };
    }

    /// <summary>
    /// Validates the one batch at the start of <paramref name="buffer"/>; bytes after it are left to the caller
    /// (<see cref="RecordBatchInfo.SizeInBytes"/> says where they start).
    /// </summary>
    public static RecordBatchValidationResult ValidateBatch(
        ReadOnlySpan<byte> buffer, in RecordBatchValidationOptions options, out RecordBatchInfo info, KafkaWriter? scratch = null)
    {
        info = default;
        var framing = CheckFraming(buffer, options);
        if (!framing.IsValid)
            return framing;
        var batch = buffer[..(RecordBatchHeader.LogOverhead + BinaryPrimitives.ReadInt32BigEndian(buffer[RecordBatchHeader.BatchLengthOffset..]))];

        var stored = BinaryPrimitives.ReadUInt32BigEndian(batch[RecordBatchHeader.CrcOffset..]);
        var computed = Crc32C.Compute(batch[RecordBatchHeader.AttributesOffset..]);
        if (stored != computed)
            return Fail(RecordBatchError.CrcMismatch, ProblemKind.Crc, stored, computed);

        RecordBatchHeader.TryRead(batch, out var header);
        var rules = CheckHeader(header, options);
        if (!rules.IsValid)
            return rules;

        info = new RecordBatchInfo
        {
            SizeInBytes = batch.Length,
            RecordCount = header.RecordCount,
            LastOffsetDelta = header.LastOffsetDelta,
            BaseTimestamp = header.BaseTimestamp,
            MaxTimestamp = header.MaxTimestamp,
            DeclaredMaxTimestamp = header.MaxTimestamp,
            ProducerId = header.ProducerId,
            ProducerEpoch = header.ProducerEpoch,
            BaseSequence = header.BaseSequence,
            Compression = header.Compression,
            TimestampType = header.IsLogAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime,
            IsTransactional = header.IsTransactional,
            IsControl = header.IsControl,
            UncompressedRecordsBytes = batch.Length - RecordBatchHeader.Size,
        };
        if (header.Compression == CompressionType.None || header.RecordCount == 0)
            return WalkRecords(batch, batch[RecordBatchHeader.Size..], header, options, ref info);
        if (!options.WalkCompressedRecords)
            return default;

        var owned = scratch is null ? new KafkaWriter() : null;
        var destination = scratch ?? owned!;
        try
        {
            destination.Reset();
            var problem = RecordBatch.Decompress(header.Compression, batch[RecordBatchHeader.Size..], destination, options.MaxUncompressedBytes);
            if (problem.Error != RecordBatchError.None)
                return RecordBatchValidationResult.Fail(problem);
            info = info with { UncompressedRecordsBytes = destination.Length };
            return WalkRecords(batch, destination.WrittenSpan, header, options, ref info);
        }
        finally
        {
            owned?.Dispose();
        }
    }
}
