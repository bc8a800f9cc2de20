namespace Runnel.Broker.Partitions;

/// <summary>
/// How many bytes lie between two offsets near the end of a log, without reading it: a ring of the most recent batch
/// boundaries (offset after the batch, bytes appended so far). A delayed fetch asks it whether enough bytes arrived to
/// answer (Kafka's DelayedFetch counts bytes the same way, from positions). Offsets older than the ring count as
/// "plenty", which only makes a fetch answer early. Callers hold the partition's lock for <see cref="Record"/> and
/// <see cref="Reset"/>; <see cref="Between"/> takes the ring's own lock.
/// </summary>
internal sealed class AppendedBytes
{
    private const int Capacity = 128;

    private readonly long[] _offsets = new long[Capacity];
    private readonly long[] _totals = new long[Capacity];
    private int _count;
    private int _head;
    private long _total;

    public AppendedBytes(long logEndOffset) => Reset(logEndOffset);

    /// <summary>A batch ending before <paramref name="nextOffset"/> and <paramref name="bytes"/> long was appended.</summary>
    public void Record(long nextOffset, int bytes)
    {
        lock (_offsets)
        {
            _total += bytes;
            _head = (_head + 1) % Capacity;
            _offsets[_head] = nextOffset;
            _totals[_head] = _total;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    /// <summary>The log was truncated or restarted: only its new end is known.</summary>
    public void Reset(long logEndOffset)
    {
        lock (_offsets)
        {
            _count = 1;
            _head = 0;
            _offsets[0] = logEndOffset;
            _totals[0] = _total;
        }
    }

    /// <summary>The bytes of the batches from <paramref name="from"/> up to <paramref name="to"/>; long.MaxValue when <paramref name="from"/> is older than the ring.</summary>
    public long Between(long from, long to)
    {
        if (from >= to)
            return 0;
        lock (_offsets)
        {
            var start = TotalAt(from);
            return start < 0 ? long.MaxValue : Math.Max(0, TotalAt(to) - start);
        }
    }

    /// <summary>The running total at the last boundary at or below <paramref name="offset"/>; -1 when it is older than the ring.</summary>
    private long TotalAt(long offset)
    {
        for (var i = 0; i < _count; i++)
        {
            var slot = (_head - i + Capacity) % Capacity;
            if (_offsets[slot] <= offset)
                return _totals[slot];
        }
        return -1;
    }
}
