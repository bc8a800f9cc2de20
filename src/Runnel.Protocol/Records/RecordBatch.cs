using System.Buffers.Binary;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Primitives;

namespace Runnel.Protocol.Records;

/// <summary>
/// Reads a magic 2 batch in place. These helpers trust the CRC (run <see cref="RecordBatchValidator"/> on anything
/// that came from outside) but still never throw on malformed records: the enumerator reports them instead.
/// </summary>
public static partial class RecordBatch
{
    public const sbyte CurrentMagic = 2;

    /// <summary>The smallest batchLength of a magic 2 batch: the header after the batchLength field.</summary>
    public const int MinBatchLength = RecordBatchHeader.Size - RecordBatchHeader.LogOverhead;

    internal const byte CompressionMask = 0x07;
    internal const byte TimestampTypeMask = 0x08;
    internal const byte TransactionalMask = 0x10;
    internal const byte ControlMask = 0x20;

    /// <summary>The wire size of the batch at the start of <paramref name="buffer"/>, from its batchLength; false when unreadable.</summary>
    public static bool TryGetSize(ReadOnlySpan<byte> buffer, out int size)
    {
        size = 0;
        if (buffer.Length < RecordBatchHeader.LogOverhead)
            return false;
        var length = BinaryPrimitives.ReadInt32BigEndian(buffer[RecordBatchHeader.BatchLengthOffset..]);
        if (length < MinBatchLength || length > int.MaxValue - RecordBatchHeader.LogOverhead)
            return false;
        size = length + RecordBatchHeader.LogOverhead;
        return true;
    }

    /// <summary>The records of the uncompressed batch at the start of <paramref name="batch"/>.</summary>
    public static RecordEnumerator ReadRecords(ReadOnlySpan<byte> batch) => Open(batch, null, 0);

    /// <summary>
    /// The records of the batch at the start of <paramref name="batch"/>, decompressed into <paramref name="scratch"/>
    /// (reset first) when the batch is compressed; the records then live as long as the scratch contents.
    /// </summary>
    public static RecordEnumerator ReadRecords(ReadOnlySpan<byte> batch, KafkaWriter scratch, int maxUncompressedBytes)
        => Open(batch, scratch, maxUncompressedBytes);

    private static RecordEnumerator Open(ReadOnlySpan<byte> batch, KafkaWriter? scratch, int maxUncompressedBytes)
    {
        if (!TrySplit(batch, out var header, out var records, out var problem))
            return new RecordEnumerator(problem);
        var codec = (CompressionType)(header[RecordBatchHeader.AttributesOffset + 1] & CompressionMask);
        if (codec == CompressionType.None)
            return new RecordEnumerator(header, records);
        if (scratch is null)
            return new RecordEnumerator(new BatchProblem(RecordBatchError.UnsupportedCompression, ProblemKind.CompressedWithoutScratch, (long)codec));
        scratch.Reset();
        problem = Decompress(codec, records, scratch, maxUncompressedBytes);
        return problem.Error == RecordBatchError.None ? new RecordEnumerator(header, scratch.WrittenSpan) : new RecordEnumerator(problem);
    }

    /// <summary>CRC-32C over bytes 21..end of the batch at the start of <paramref name="batch"/>, as stored at offset 17.</summary>
    public static uint ComputeCrc(ReadOnlySpan<byte> batch) => Crc32C.Compute(Covered(batch));

    private static bool TrySplit(ReadOnlySpan<byte> batch, out ReadOnlySpan<byte> header, out ReadOnlySpan<byte> records, out BatchProblem problem)
    {
        header = records = default;
        problem = default;
        if (batch.Length < RecordBatchHeader.Size)
            problem = new BatchProblem(RecordBatchError.Truncated, ProblemKind.ShortForHeader, batch.Length);
        else if ((sbyte)batch[RecordBatchHeader.MagicOffset] != CurrentMagic)
            problem = new BatchProblem(RecordBatchError.UnknownMagic, ProblemKind.UnknownMagic, (sbyte)batch[RecordBatchHeader.MagicOffset]);
        else if (!TryGetSize(batch, out var size) || size > batch.Length)
            problem = new BatchProblem(RecordBatchError.Truncated, ProblemKind.Truncated, BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.BatchLengthOffset..]), size, batch.Length);
        else
        {
            header = batch[..RecordBatchHeader.Size];
            records = batch[RecordBatchHeader.Size..size];
            return true;
        }
        return false;
    }

    /// <summary>The bytes the CRC covers, from attributes to the end given by batchLength.</summary>
    internal static ReadOnlySpan<byte> Covered(ReadOnlySpan<byte> batch)
    {
        if (!TryGetSize(batch, out var size) || size > batch.Length)
            throw new ArgumentException("The span does not hold a whole record batch.", nameof(batch));
        return batch[RecordBatchHeader.AttributesOffset..size];
    }

    /// <summary>Runs a codec on hostile input and turns every failure into a reason instead of an exception.</summary>
    internal static BatchProblem Decompress(CompressionType codec, ReadOnlySpan<byte> source, KafkaWriter destination, int maxBytes)
    {
        try
        {
            CompressionCodecs.Decompress(codec, source, destination, maxBytes);
            return default;
        }
        catch (CompressionException e)
        {
            var error = e.Failure switch
            {
                CompressionFailure.TooLarge => RecordBatchError.UncompressedTooLarge,
                CompressionFailure.Unsupported => RecordBatchError.UnsupportedCompression,
                _ => RecordBatchError.CorruptCompression,
            };
            return new BatchProblem(error, ProblemKind.Codec, Text: $"{codec}: {e.Message}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The codecs promise CompressionException, but they parse attacker-controlled bytes with third-party
            // code; a slip there must cost one partition a CORRUPT_MESSAGE, not the connection.
            return new BatchProblem(RecordBatchError.CorruptCompression, ProblemKind.Codec, Text: $"{codec}: {e.GetType().Name}: {e.Message}");
        }
    }
}
