namespace Runnel.Raft.Log;

/// <summary>
/// A Raft log in memory that behaves like a disk under power loss: <see cref="Crash"/> returns it to what the last
/// <see cref="Flush"/> (or snapshot operation, which is durable when it returns) left, so appends and truncations
/// that were not flushed are forgotten. The simulation runs every node on one of these.
/// </summary>
public sealed class MemoryRaftLog : IRaftLog
{
    /// <summary>Snapshots kept, so a follower part-way through downloading an older one can finish it.</summary>
    public const int RetainedSnapshots = 3;

    private readonly EpochCache _epochs = new();
    private List<(BatchInfo Info, byte[] Bytes)> _batches = [];
    private List<(OffsetAndEpoch Id, byte[] Data)> _snapshots = [];
    private long _start;
    private long _flushed;

    // The durable copy. Its first _stable batches are the same as the live ones, so a flush copies only the rest.
    private readonly List<(BatchInfo Info, byte[] Bytes)> _durable = [];
    private List<(OffsetAndEpoch Id, byte[] Data)> _durableSnapshots = [];
    private long _durableStart;
    private int _stable;

    public long StartOffset => _start;

    public int StartEpoch => _start == 0 ? 0 : _snapshots.Find(s => s.Id.Offset == _start).Id.Epoch;

    public long EndOffset => _batches.Count == 0 ? _start : _batches[^1].Info.LastOffset + 1;

    public long FlushedOffset => _flushed;

    public int LastEpoch => _batches.Count > 0 ? _batches[^1].Info.Epoch : LatestSnapshot?.Epoch ?? 0;

    public OffsetAndEpoch? LatestSnapshot => _snapshots.Count == 0 ? null : _snapshots[^1].Id;

    /// <summary>The end of what a crash would leave (what survives on "disk").</summary>
    public long DurableEndOffset => _durable.Count == 0 ? _durableStart : _durable[^1].Info.LastOffset + 1;

    /// <summary>The durable copy's start offset (its oldest snapshot's end, or 0).</summary>
    public long DurableStartOffset => _durableStart;

    /// <summary>The epoch of the durable batch holding <paramref name="offset"/>, or -1.</summary>
    public int DurableEpochAt(long offset)
    {
        for (var i = _durable.Count - 1; i >= 0; i--)
        {
            if (_durable[i].Info.BaseOffset <= offset)
                return _durable[i].Info.LastOffset >= offset ? _durable[i].Info.Epoch : -1;
        }
        return -1;
    }

    public OffsetAndEpoch EndOffsetForEpoch(int epoch)
        => _epochs.EndOffsetFor(epoch, EndOffset, _start == 0 ? null : new OffsetAndEpoch(_start, StartEpoch));

    public void Append(ReadOnlySpan<byte> batches)
    {
        var position = 0;
        foreach (var info in BatchHeaders.Walk(batches))
        {
            if (info.BaseOffset != EndOffset)
                throw new InvalidOperationException($"Batch at {info.BaseOffset} does not continue the log at {EndOffset}.");
            _epochs.Assign(info.Epoch, info.BaseOffset);
            _batches.Add((info, batches.Slice(position, info.Size).ToArray()));
            position += info.Size;
        }
    }

    public byte[] Read(long offset, int maxBytes)
    {
        int lo = 0, hi = _batches.Count - 1, index = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_batches[mid].Info.LastOffset >= offset)
            {
                index = mid;
                hi = mid - 1;
            }
            else
            {
                lo = mid + 1;
            }
        }
        if (index < 0)
            return [];
        var end = index;
        var size = 0;
        while (end < _batches.Count && (end == index || size + _batches[end].Bytes.Length <= maxBytes))
            size += _batches[end++].Bytes.Length;
        var result = new byte[size];
        for (int i = index, position = 0; i < end; position += _batches[i++].Bytes.Length)
            _batches[i].Bytes.CopyTo(result, position);
        return result;
    }

    public void TruncateTo(long offset)
    {
        offset = Math.Max(offset, _start);
        var keep = _batches.FindIndex(b => b.Info.BaseOffset >= offset);
        if (keep < 0)
            return;
        if (keep > 0 && _batches[keep - 1].Info.LastOffset >= offset)
            throw new InvalidOperationException($"Truncation to {offset} would split the batch at {_batches[keep - 1].Info.BaseOffset}.");
        _batches.RemoveRange(keep, _batches.Count - keep);
        _stable = Math.Min(_stable, keep);
        _epochs.TruncateFrom(offset);
        _flushed = Math.Min(_flushed, EndOffset);
    }

    public void Flush()
    {
        _durable.RemoveRange(_stable, _durable.Count - _stable);
        for (var i = _stable; i < _batches.Count; i++)
            _durable.Add(_batches[i]);
        _stable = _batches.Count;
        _durableStart = _start;
        _durableSnapshots = [.. _snapshots];
        _flushed = EndOffset;
    }

    public void WriteSnapshot(OffsetAndEpoch id, ReadOnlySpan<byte> data)
    {
        _snapshots.RemoveAll(s => s.Id.Offset >= id.Offset);
        _snapshots.Add((id, data.ToArray()));
        if (_snapshots.Count > RetainedSnapshots)
            _snapshots.RemoveAt(0);
        var start = _snapshots[0].Id.Offset;
        var dropped = DropBelow(_batches, start);
        var droppedDurable = DropBelow(_durable, start);
        _stable = dropped == droppedDurable && dropped <= _stable ? _stable - dropped : 0;
        _start = Math.Max(_start, start);
        _durableStart = Math.Max(_durableStart, start);
        _epochs.TrimBefore(_start);
        _durableSnapshots = [.. _snapshots];
    }

    private static int DropBelow(List<(BatchInfo Info, byte[] Bytes)> batches, long start)
    {
        var count = 0;
        while (count < batches.Count && batches[count].Info.LastOffset < start)
            count++;
        batches.RemoveRange(0, count);
        return count;
    }

    public void InstallSnapshot(OffsetAndEpoch id, ReadOnlySpan<byte> data)
    {
        _snapshots = [(id, data.ToArray())];
        _batches = [];
        _stable = 0;
        _epochs.Clear();
        _start = id.Offset;
        Flush();
    }

    public long SnapshotSize(OffsetAndEpoch id) => _snapshots.FindLast(s => s.Id == id).Data?.Length ?? -1;

    public int ReadSnapshot(OffsetAndEpoch id, long position, Span<byte> destination)
    {
        var data = _snapshots.FindLast(s => s.Id == id).Data;
        if (data is null || position < 0 || position > data.Length)
            return 0;
        var chunk = data.AsSpan((int)position, Math.Min(destination.Length, data.Length - (int)position));
        chunk.CopyTo(destination);
        return chunk.Length;
    }

    /// <summary>Power loss: everything not flushed is gone.</summary>
    public void Crash()
    {
        _batches = [.. _durable];
        _stable = _batches.Count;
        _start = _durableStart;
        _snapshots = [.. _durableSnapshots];
        _epochs.Clear();
        foreach (var (info, _) in _batches)
            _epochs.Assign(info.Epoch, info.BaseOffset);
        _epochs.TrimBefore(_start);
        _flushed = EndOffset;
    }
}
