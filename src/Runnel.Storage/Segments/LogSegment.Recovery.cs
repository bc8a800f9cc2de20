using Runnel.Storage.IO;

namespace Runnel.Storage.Segments;

/// <summary>What recovery of one segment found: the bytes it kept, the bytes it cut, and why it stopped.</summary>
internal readonly record struct SegmentRecovery(int ValidBytes, long TruncatedBytes, string? Reason);

internal sealed partial class LogSegment
{
    /// <summary>Opens an existing segment; call <see cref="LoadTrusted"/> or <see cref="Recover"/> before use.</summary>
    public static LogSegment Open(IFileSystem fs, string dir, long baseOffset, LogConfig config, long nowMs) =>
        new(fs, dir, baseOffset, config, nowMs, create: false);

    /// <summary>
    /// Loads a segment that a flush or a clean shutdown vouched for: its indexes are read from disk and rebuilt only
    /// if missing or inconsistent; its batches are not CRC-checked (Kafka does the same below the recovery point).
    /// Returns false when even the batch structure does not hold, so the caller must <see cref="Recover"/> it.
    /// </summary>
    public bool LoadTrusted()
    {
        var length = LogFile.Length;
        if (length > int.MaxValue)
            return false;
        var size = (int)length;
        _size = _flushedSize = size;
        if (!OffsetIndex.Load(size) || !TimeIndex.Load(int.MaxValue))
            return Rescan(verify: false).ValidBytes == size;
        // Walk from the last index entry to the end: that proves the tail's structure and finds the next offset.
        var last = OffsetIndex.Entries.IsEmpty ? default : OffsetIndex.Entries[^1];
        if (!Checked(last, size))
            return Rescan(verify: false).ValidBytes == size;
        var position = last.Position;
        var next = BaseOffset;
        while (TryReadHeader(position, size, out var batch))
        {
            next = batch.LastOffset + 1;
            position += batch.Size;
        }
        if (position != size)
            return false;
        _nextOffset = next;
        MaxTimestamp = TimeIndex.LastTimestamp;
        OffsetOfMaxTimestamp = TimeIndex.Entries.IsEmpty ? -1 : BaseOffset + TimeIndex.Entries[^1].RelativeOffset;
        FirstBatchTimestamp = TryReadHeader(0, size, out var first) ? first.MaxTimestamp : -1;
        return true;
    }

    /// <summary>
    /// Validates every batch (structure, CRC, increasing offsets from the segment's base), cuts the file at the first
    /// invalid byte, and rebuilds both indexes from what remains; the transaction index is emptied for the log to refill
    /// (it needs the transactions begun in earlier segments).
    /// </summary>
    public SegmentRecovery Recover()
    {
        TxnIndex.Reset();
        TxnIndexNeedsRebuild = true;
        var length = LogFile.Length;
        var result = Rescan(verify: true);
        if (result.ValidBytes < length)
        {
            LogFile.SetLength(result.ValidBytes);
            _flushedSize = -1; // the cut itself must reach the disk
        }
        return result with { TruncatedBytes = length - result.ValidBytes };
    }

    /// <summary>Each leader epoch's first batch in this segment, in log order (rebuilding a lost leader-epoch-checkpoint).</summary>
    public IEnumerable<(int Epoch, long BaseOffset)> EpochStarts()
    {
        var starts = new List<(int, long)>();
        var latest = -1;
        var position = 0;
        var next = BaseOffset;
        using var scanner = new SegmentScanner(LogFile, Size);
        while (scanner.TryRead(position, next, verify: false, out var batch))
        {
            if (batch.LeaderEpoch > latest)
            {
                latest = batch.LeaderEpoch;
                starts.Add((latest, batch.BaseOffset));
            }
            position += batch.Size;
            next = batch.LastOffset + 1;
        }
        return starts;
    }

    /// <summary>Rebuilds the indexes from the log, for a segment whose index failed a check during reads.</summary>
    public void RebuildIndexes()
    {
        if (_indexSuspect)
            Rescan(verify: false);
    }

    private SegmentRecovery Rescan(bool verify)
    {
        var end = (int)Math.Min(LogFile.Length, int.MaxValue);
        _indexSuspect = false;
        OffsetIndex.Reset();
        TimeIndex.Reset();
        MaxTimestamp = OffsetOfMaxTimestamp = FirstBatchTimestamp = -1;
        _bytesSinceIndexEntry = 0;
        var position = 0;
        var next = BaseOffset;
        string? reason;
        using (var scanner = new SegmentScanner(LogFile, end))
        {
            while (scanner.TryRead(position, next, verify, out var batch) && batch.LastOffset - BaseOffset <= int.MaxValue)
            {
                TrackBatch(position, batch.Size, batch.BaseOffset, batch.MaxTimestamp);
                position += batch.Size;
                next = batch.LastOffset + 1;
            }
            reason = scanner.StopReason;
        }
        _indexesDirty = true;
        Volatile.Write(ref _size, position);
        _flushedSize = Math.Min(_flushedSize, position);
        Volatile.Write(ref _nextOffset, next);
        return new SegmentRecovery(position, 0, reason);
    }

    /// <summary>
    /// Removes every batch that holds an offset at or above <paramref name="offset"/> (a batch straddling it goes
    /// whole) and returns the bytes removed; <see cref="NextOffset"/> is then one past the last batch kept.
    /// </summary>
    public int TruncateTo(long offset)
    {
        var size = Size;
        if (!TryFindBatch(offset, size, out var batch))
            return 0;
        LogFile.SetLength(batch.Position);
        TxnIndex.TruncateTo(batch.BaseOffset);
        _flushedSize = -1; // the next flush must make the shorter length durable
        // Truncation is rare (replication, recovery); rebuilding the indexes from the kept bytes keeps the max
        // timestamp and index spacing exact without a second code path.
        // The log end becomes the end of the last batch kept (or the base offset), as a restart would compute it:
        // an end inside a gap (compaction, a follower's skip) would not survive a restart.
        Rescan(verify: false);
        return size - batch.Position;
    }
}
