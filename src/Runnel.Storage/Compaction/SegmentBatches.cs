using System.Buffers.Binary;
using Runnel.Protocol.Records;
using Runnel.Storage.Segments;

namespace Runnel.Storage.Compaction;

/// <summary>One batch read whole from a segment, with the header fields compaction needs.</summary>
internal readonly record struct SegmentBatch(ReadOnlyMemory<byte> Bytes)
{
    private short Attributes => BinaryPrimitives.ReadInt16BigEndian(Bytes.Span[RecordBatchHeader.AttributesOffset..]);

    public bool IsControlOrTransactional => (Attributes & 0x30) != 0;

    public long ProducerId => BinaryPrimitives.ReadInt64BigEndian(Bytes.Span[RecordBatchHeader.ProducerIdOffset..]);

    public int RecordCount => BinaryPrimitives.ReadInt32BigEndian(Bytes.Span[RecordBatchHeader.RecordCountOffset..]);
}

/// <summary>Reads a segment's batches one by one (the cleaner's input; it runs off the append path).</summary>
internal static class SegmentBatches
{
    public static IEnumerable<SegmentBatch> Read(LogSegment segment)
    {
        var size = segment.Size;
        var position = 0;
        byte[] buffer = [];
        while (segment.TryReadHeader(position, size, out var info))
        {
            if (buffer.Length < info.Size)
                buffer = new byte[Math.Max(info.Size, 64 * 1024)];
            segment.LogFile.Read(position, buffer.AsSpan(0, info.Size));
            yield return new SegmentBatch(buffer.AsMemory(0, info.Size));
            position += info.Size;
        }
    }
}
