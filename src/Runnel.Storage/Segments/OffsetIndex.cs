using System.Buffers.Binary;
using Runnel.Storage.IO;

namespace Runnel.Storage.Segments;

/// <summary>An offset index entry: a batch's base offset (relative to the segment) and its file position.</summary>
internal readonly record struct OffsetPosition(int RelativeOffset, int Position);

/// <summary>
/// The sparse offset index (<c>.index</c>): Kafka's layout of 8-byte entries, relative offset then position, both
/// big-endian int32, one entry per <c>index.interval.bytes</c> of log. Each entry points at a batch boundary, so a
/// lookup lands on a batch header and scans forward from there. Entries increase strictly in both fields.
/// </summary>
internal sealed class OffsetIndex(IStorageFile file, long baseOffset, int maxIndexBytes)
    : SparseIndex<OffsetPosition>(file, baseOffset, maxIndexBytes)
{
    protected override int EntrySize => 8;

    public void Append(long offset, int position) => Add(new OffsetPosition(checked((int)(offset - BaseOffset)), position));

    /// <summary>The last indexed batch at or before <paramref name="offset"/>, or the segment start.</summary>
    public OffsetPosition Lookup(long offset)
    {
        var entries = Entries;
        int lo = 0, hi = entries.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (BaseOffset + entries[mid].RelativeOffset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found < 0 ? default : entries[found];
    }

    /// <summary>
    /// The last indexed batch that starts at or before <paramref name="maxPosition"/> and whose base offset is
    /// below <paramref name="offsetBound"/>, or default when there is none; reads use it to find their end quickly.
    /// </summary>
    public OffsetPosition LastBefore(int maxPosition, long offsetBound)
    {
        var entries = Entries;
        int lo = 0, hi = entries.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (entries[mid].Position <= maxPosition && BaseOffset + entries[mid].RelativeOffset < offsetBound)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found < 0 ? default : entries[found];
    }

    /// <summary>Loads the file, rejecting entries out of order or beyond the log's size.</summary>
    public bool Load(long logSize) =>
        Load((a, b) => b.RelativeOffset > a.RelativeOffset && b.Position > a.Position,
            e => e.RelativeOffset >= 0 && e.Position >= 0 && e.Position < logSize);

    protected override void Encode(OffsetPosition entry, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, entry.RelativeOffset);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], entry.Position);
    }

    protected override OffsetPosition Decode(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadInt32BigEndian(source), BinaryPrimitives.ReadInt32BigEndian(source[4..]));

    protected override int RelativeOffsetOf(OffsetPosition entry) => entry.RelativeOffset;
}
