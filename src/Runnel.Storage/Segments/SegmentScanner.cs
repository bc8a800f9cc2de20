using System.Buffers;
using System.Buffers.Binary;
using Runnel.Protocol.Records;
using Runnel.Storage.IO;

namespace Runnel.Storage.Segments;

/// <summary>One batch found by <see cref="SegmentScanner"/>: where it is and the header fields storage needs.</summary>
internal readonly record struct BatchInfo(int Position, int Size, long BaseOffset, long LastOffset, long MaxTimestamp, int RecordCount = 1, int LeaderEpoch = -1,
    long ProducerId = -1, short Attributes = 0, short ProducerEpoch = -1, int BaseSequence = -1)
{
    public BatchInfo(int position, RecordBatchHeader header)
        : this(position, header.TotalSize, header.BaseOffset, header.LastOffset, header.MaxTimestamp, header.RecordCount, header.PartitionLeaderEpoch,
            header.ProducerId, header.Attributes, header.ProducerEpoch, header.BaseSequence)
    {
    }

    /// <summary>A batch compaction emptied of records (kept only as a header); clients need not see it first.</summary>
    public bool IsEmpty => RecordCount == 0;
}

/// <summary>
/// Walks the batches of a segment file through a large read window, so recovery and index rebuilds cost a few
/// big reads instead of one per batch. With <c>verify</c> it checks what recovery must: a whole header, a sane
/// length, magic 2, the CRC and offsets that only go up; it stops at the first batch that fails.
/// </summary>
internal sealed class SegmentScanner : IDisposable
{
    private const int WindowSize = 256 * 1024;
    private readonly IStorageFile _file;
    private readonly long _end;
    private readonly byte[] _window = ArrayPool<byte>.Shared.Rent(WindowSize);
    private long _windowStart;
    private int _windowLength;

    public SegmentScanner(IStorageFile file, long end)
    {
        _file = file;
        _end = end;
    }

    /// <summary>Why the scan stopped before the end, or null when it reached the end cleanly.</summary>
    public string? StopReason { get; private set; }

    /// <summary>Reads the batch at <paramref name="position"/>; false at the end or at the first invalid batch.</summary>
    public bool TryRead(int position, long minOffset, bool verify, out BatchInfo batch)
    {
        batch = default;
        var remaining = _end - position;
        if (remaining <= 0)
            return false;
        if (remaining < RecordBatchHeader.Size)
            return Stop($"{remaining} trailing bytes are shorter than a batch header");
        RecordBatchHeader.TryRead(Window(position, RecordBatchHeader.Size), out var header);
        var length = header.BatchLength;
        if (length < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead || length > remaining - RecordBatchHeader.LogOverhead)
            return Stop($"batch length {length} at position {position} does not fit the {remaining} bytes left");
        if (header.Magic != 2)
            return Stop($"magic {header.Magic} at position {position}");
        if (header.LastOffsetDelta < 0 || header.BaseOffset < minOffset || header.BaseOffset > long.MaxValue - header.LastOffsetDelta)
            return Stop($"offsets {header.BaseOffset}+{header.LastOffsetDelta} at position {position} are not above {minOffset - 1}");
        if (verify && Checksum(position + RecordBatchHeader.AttributesOffset, header.TotalSize - RecordBatchHeader.AttributesOffset) != header.Crc)
            return Stop($"CRC mismatch in the batch at offset {header.BaseOffset}, position {position}");
        batch = new BatchInfo(position, header);
        return true;
    }

    private bool Stop(string reason)
    {
        StopReason = reason;
        return false;
    }

    private uint Checksum(long position, int count)
    {
        uint crc = 0;
        while (count > 0)
        {
            var n = Math.Min(count, WindowSize);
            crc = Crc32C.Append(crc, Window(position, n));
            position += n;
            count -= n;
        }
        return crc;
    }

    /// <summary>The file's bytes at [position, position+count), count at most the window size, refilling as needed.</summary>
    private ReadOnlySpan<byte> Window(long position, int count)
    {
        if (position < _windowStart || position + count > _windowStart + _windowLength)
        {
            _windowStart = position;
            _windowLength = _file.Read(position, _window.AsSpan(0, (int)Math.Min(WindowSize, _end - position)));
            if (_windowLength < count)
                throw new IOException($"{_file.Path} ended at {position + _windowLength}, before its known size {_end}.");
        }
        return _window.AsSpan((int)(position - _windowStart), count);
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_window);
}
