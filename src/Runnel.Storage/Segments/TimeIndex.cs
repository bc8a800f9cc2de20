using System.Buffers.Binary;
using Runnel.Storage.IO;

namespace Runnel.Storage.Segments;

/// <summary>A time index entry: the largest timestamp so far and the base offset of the batch that first reached it.</summary>
internal readonly record struct TimestampOffset(long Timestamp, int RelativeOffset);

/// <summary>
/// The sparse time index (<c>.timeindex</c>): Kafka's 12-byte entries, timestamp int64 then relative offset int32.
/// Invariant: every batch before the entry's offset has a max timestamp below the entry's timestamp, so a search
/// for the first record at or after time T may start at the last entry whose timestamp is at most T.
/// </summary>
internal sealed class TimeIndex(IStorageFile file, long baseOffset, int maxIndexBytes)
    : SparseIndex<TimestampOffset>(file, baseOffset, maxIndexBytes)
{
    protected override int EntrySize => 12;

    public long LastTimestamp => Entries.IsEmpty ? -1 : Entries[^1].Timestamp;

    /// <summary>Adds an entry when the timestamp grew since the last one (the index is ordered by both fields).</summary>
    public void MaybeAppend(long timestamp, long offset)
    {
        var entries = Entries;
        var relative = checked((int)(offset - BaseOffset));
        if (entries.IsEmpty || (timestamp > entries[^1].Timestamp && relative > entries[^1].RelativeOffset))
            Add(new TimestampOffset(timestamp, relative));
    }

    /// <summary>The offset to start a timestamp search from: the last entry at or before <paramref name="timestamp"/>.</summary>
    public long Lookup(long timestamp)
    {
        var entries = Entries;
        int lo = 0, hi = entries.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (entries[mid].Timestamp <= timestamp)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return BaseOffset + (found < 0 ? 0 : entries[found].RelativeOffset);
    }

    public bool Load(long maxRelativeOffset) =>
        Load((a, b) => b.Timestamp > a.Timestamp && b.RelativeOffset > a.RelativeOffset,
            e => e.RelativeOffset >= 0 && e.RelativeOffset <= maxRelativeOffset);

    protected override void Encode(TimestampOffset entry, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, entry.Timestamp);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], entry.RelativeOffset);
    }

    protected override TimestampOffset Decode(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadInt64BigEndian(source), BinaryPrimitives.ReadInt32BigEndian(source[8..]));

    protected override int RelativeOffsetOf(TimestampOffset entry) => entry.RelativeOffset;
}
