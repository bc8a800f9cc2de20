using System.Buffers.Binary;
using Runnel.Protocol.Records;

namespace Runnel.Storage.Segments;

/// <summary>Whole batches of a segment chosen for a read, and the offset a following read continues from.</summary>
internal readonly record struct SegmentSlice(int Position, int Length, long FirstOffset, long NextOffset);

internal sealed partial class LogSegment
{
    private volatile bool _indexSuspect;

    /// <summary>Set when an index entry did not point at the batch it names; the log rebuilds the indexes.</summary>
    public bool IndexSuspect => _indexSuspect;

    /// <summary>The first batch whose last offset is at least <paramref name="offset"/>, seen within <paramref name="size"/> bytes.</summary>
    public bool TryFindBatch(long offset, int size, out BatchInfo batch)
    {
        var entry = OffsetIndex.Lookup(offset);
        var position = Checked(entry, size) ? entry.Position : 0;
        while (TryReadHeader(position, size, out batch))
        {
            if (batch.LastOffset >= offset)
                return true;
            position += batch.Size;
        }
        return false;
    }

    /// <summary>
    /// The byte range of whole batches to return for a fetch at <paramref name="offset"/>: it starts at the batch
    /// holding the offset (which may begin before it), holds at most <paramref name="maxBytes"/> unless
    /// <paramref name="minOneBatch"/> lets a larger first batch through, and only batches wholly below
    /// <paramref name="maxOffset"/>. Returns false when no batch at or after the offset is in this segment.
    /// </summary>
    public bool TryLocate(long offset, int maxBytes, long maxOffset, bool minOneBatch, out SegmentSlice slice)
    {
        var size = Size;
        slice = default;
        if (!TryFindBatch(offset, size, out var first))
            return false;
        // Batches compaction emptied carry no record; a fetch that returned only those would look to librdkafka like
        // a message too large to fetch. Start at the first batch with records, or report the segment as exhausted
        // (the caller then tries the next one, as Kafka moves on from a segment with nothing at the offset).
        while (first.IsEmpty && first.LastOffset < maxOffset)
        {
            if (!TryReadHeader(first.Position + first.Size, size, out var following))
            {
                slice = new SegmentSlice(first.Position, 0, first.LastOffset + 1, first.LastOffset + 1);
                return false;
            }
            first = following;
        }
        slice = new SegmentSlice(first.Position, 0, first.BaseOffset, first.BaseOffset);
        if (first.LastOffset >= maxOffset)
            return true;
        if (first.Size > maxBytes)
        {
            if (minOneBatch)
                slice = slice with { Length = first.Size, NextOffset = first.LastOffset + 1 };
            return true;
        }
        var limit = (int)Math.Min(size, (long)first.Position + maxBytes);
        // Jump close to the end with the index (every entry is a batch boundary), then walk the last few headers.
        var entry = OffsetIndex.LastBefore(limit, maxOffset);
        var fromEntry = entry.Position > first.Position && Checked(entry, size);
        var end = fromEntry ? entry.Position : first.Position;
        var next = fromEntry ? BaseOffset + entry.RelativeOffset : first.BaseOffset;
        while (TryReadHeader(end, size, out var batch) && batch.Position + batch.Size <= limit && batch.LastOffset < maxOffset)
        {
            end += batch.Size;
            next = batch.LastOffset + 1;
        }
        slice = slice with { Length = end - first.Position, NextOffset = next };
        return true;
    }

    /// <summary>The first batch whose max timestamp is at least <paramref name="timestamp"/>, if any.</summary>
    public bool TryFindByTimestamp(long timestamp, out BatchInfo batch)
    {
        var size = Size;
        var start = TimeIndex.Lookup(timestamp);
        if (!TryFindBatch(start, size, out batch))
            return false;
        // The entry names a batch that reached its timestamp; anything else means a damaged time index.
        if (start != BaseOffset && batch.BaseOffset != start)
        {
            _indexSuspect = true;
            if (!TryReadHeader(0, size, out batch))
                return false;
        }
        while (batch.MaxTimestamp < timestamp)
        {
            if (!TryReadHeader(batch.Position + batch.Size, size, out batch))
                return false;
        }
        return true;
    }

    /// <summary>Whether an index entry really names the batch at its position; flags the index when it does not.</summary>
    private bool Checked(OffsetPosition entry, int size)
    {
        if (entry.Position == 0)
            return true;
        if (TryReadHeader(entry.Position, size, out var batch) && batch.BaseOffset == BaseOffset + entry.RelativeOffset)
            return true;
        _indexSuspect = true;
        return false;
    }

    /// <summary>Reads the header of the batch at <paramref name="position"/> if a whole batch lies below <paramref name="size"/>.</summary>
    public bool TryReadHeader(int position, int size, out BatchInfo batch)
    {
        batch = default;
        if ((long)position + RecordBatchHeader.Size > size)
            return false;
        Span<byte> bytes = stackalloc byte[RecordBatchHeader.Size];
        if (LogFile.Read(position, bytes) < bytes.Length || !RecordBatchHeader.TryRead(bytes, out var header))
            return false;
        if (header.TotalSize < RecordBatchHeader.Size || (long)position + header.TotalSize > size)
            return false;
        batch = new BatchInfo(position, header);
        return true;
    }
}
