using Runnel.Storage.Segments;

namespace Runnel.Storage;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Applies retention: with cleanup.policy delete, whole segments older than retention.ms (by their newest
    /// timestamp) or beyond retention.bytes (oldest first); under any policy, segments wholly below the log start
    /// offset. The active segment goes only when all its data is past retention.ms, and then a fresh one takes its
    /// place first. Returns the number of segments deleted.
    /// </summary>
    public int DeleteOldSegments()
    {
        lock (_lock)
        {
            if (_offline)
                return 0;
            var now = _env.NowMs;
            var config = Config;
            var segments = _segments;
            var doomed = 0;
            var size = segments.Sum(s => (long)s.Size);
            // Segments leave strictly from the oldest end, so the log stays a contiguous suffix.
            while (doomed < segments.Length)
            {
                var segment = segments[doomed];
                var isActive = doomed == segments.Length - 1;
                var breachesStart = !isActive && segments[doomed + 1].BaseOffset <= _logStartOffset;
                var expired = config.Delete && config.RetentionMs >= 0 && !segment.IsEmpty
                    && (segment.MaxTimestamp >= 0 ? segment.MaxTimestamp : segment.CreatedMs) < now - config.RetentionMs;
                var oversize = config.Delete && config.RetentionBytes >= 0 && !isActive && size - segment.Size >= config.RetentionBytes;
                if (!breachesStart && !expired && !oversize)
                    break;
                size -= segment.Size;
                doomed++;
            }
            if (doomed == 0)
                return 0;
            if (doomed == segments.Length)
            {
                // Everything expired, the active segment included: roll so the log keeps a place for new appends.
                RollLocked(_logEndOffset);
                segments = _segments;
            }
            // The new start offset is persisted before any segment goes, so a crash cannot resurrect a stale start.
            AdvanceStartLocked(segments[doomed].BaseOffset);
            RemoveSegmentsLocked(segments[..doomed], "retention");
            DeleteSnapshotsBelowLocked(_segments[0].BaseOffset);
            return doomed;
        }
    }

    /// <summary>
    /// DeleteRecords: moves the log start offset up to <paramref name="offset"/> (at most the log end offset; the
    /// broker caps it at the high watermark) and deletes segments wholly below it. The owner checkpoints the new
    /// start offset before this returns. Returns the log start offset now in force.
    /// </summary>
    public long AdvanceLogStartOffset(long offset)
    {
        lock (_lock)
        {
            ThrowIfOffline();
            if (offset > _logEndOffset)
                throw new StorageException(StorageErrorKind.OffsetOutOfRange, $"Cannot delete records up to {offset}: {TopicPartition} ends at {_logEndOffset}.");
            AdvanceStartLocked(offset);
            var segments = _segments;
            var doomed = 0;
            while (doomed < segments.Length - 1 && segments[doomed + 1].BaseOffset <= _logStartOffset)
                doomed++;
            RemoveSegmentsLocked(segments[..doomed], "DeleteRecords");
            DeleteSnapshotsBelowLocked(_segments[0].BaseOffset);
            return _logStartOffset;
        }
    }

    private void AdvanceStartLocked(long offset)
    {
        if (offset <= _logStartOffset)
            return;
        var old = _logStartOffset;
        Volatile.Write(ref _logStartOffset, offset);
        try
        {
            CheckpointNeeded?.Invoke(this);
        }
        catch
        {
            // Not durable, so not done: DeleteRecords fails and retention tries again later.
            Volatile.Write(ref _logStartOffset, old);
            throw;
        }
        _epochs.TruncateFromStart(offset);
        Volatile.Write(ref _highWatermark, Math.Max(_highWatermark, offset));
        _producers.OnHighWatermark(_highWatermark);
    }

    /// <summary>
    /// Removes every offset at or above <paramref name="offset"/> (a follower diverging from its leader, or the broker
    /// undoing an append). A batch that straddles the offset goes whole, so the log end offset may end up below it.
    /// At or past the log end no record goes, but an epoch starting at the log end does (as in Kafka's truncateTo):
    /// a replica that became leader assigned its epoch there, then lost leadership before appending anything, and as a
    /// follower it must not name that epoch as the last it fetched, or the leader reports the same divergence forever.
    /// </summary>
    public void TruncateTo(long offset)
    {
        lock (_flushLock)
            lock (_lock)
            {
                ThrowIfOffline();
                if (offset >= _logEndOffset)
                {
                    _epochs.TruncateFromEnd(_logEndOffset);
                    return;
                }
                if (offset <= _segments[0].BaseOffset)
                {
                    TruncateFullyAndStartAtLocked(offset);
                    return;
                }
                var keep = _segments.Where(s => s.BaseOffset < offset).ToArray();
                RemoveSegmentsLocked(_segments[keep.Length..], $"truncation to {offset}");
                var active = keep[^1];
                active.TruncateTo(offset);
                Volatile.Write(ref _logEndOffset, active.NextOffset);
                _epochs.TruncateFromEnd(_logEndOffset);
                Volatile.Write(ref _highWatermark, Math.Min(_highWatermark, _logEndOffset));
                LoadProducerStateLocked();
                Volatile.Write(ref _recoveryPoint, Math.Min(_recoveryPoint, _logEndOffset));
                if (_logStartOffset > _logEndOffset)
                    Volatile.Write(ref _logStartOffset, _logEndOffset);
                FlushTruncation();
            }
    }

    /// <summary>Deletes all data and restarts the log empty at <paramref name="offset"/> (a follower far behind its leader's start).</summary>
    public void TruncateFullyAndStartAt(long offset)
    {
        lock (_flushLock)
            lock (_lock)
            {
                ThrowIfOffline();
                TruncateFullyAndStartAtLocked(offset);
            }
    }

    private void TruncateFullyAndStartAtLocked(long offset)
    {
        // The new segment may reuse an old one's name: delete first (readers see an empty log meanwhile), then create.
        RemoveSegmentsLocked(_segments, $"restart at {offset}");
        Volatile.Write(ref _segments, [LogSegment.Create(_env.FileSystem, Directory, offset, Config, _env.NowMs)]);
        Volatile.Write(ref _logEndOffset, offset);
        Volatile.Write(ref _highWatermark, offset);
        _epochs.Clear();
        ClearProducersLocked(offset);
        Volatile.Write(ref _recoveryPoint, Math.Min(_recoveryPoint, offset));
        Volatile.Write(ref _logStartOffset, offset);
        FlushTruncation();
    }

    /// <summary>
    /// Makes a truncation durable before anyone relies on it (otherwise a power loss brings the removed batches back,
    /// with offsets the leader has since given to other records), then checkpoints. The flush covers every segment,
    /// not just the truncated one: durable data must stay a prefix of the log, never a later segment without an
    /// earlier one.
    /// </summary>
    private void FlushTruncation()
    {
        _directoryDirty = true;
        Flush();
        try
        {
            CheckpointNeeded?.Invoke(this);
        }
        catch (StorageException e)
        {
            // The truncation itself is durable; a stale checkpoint only makes the next recovery validate more.
            _env.Log(StorageLogLevel.Warning, $"{TopicPartition}: checkpoint after truncation failed: {e.Message}");
        }
    }

    private void RemoveSegmentsLocked(IEnumerable<LogSegment> doomed, string reason)
    {
        var set = doomed.ToHashSet();
        if (set.Count == 0)
            return;
        Volatile.Write(ref _segments, [.. _segments.Where(s => !set.Contains(s))]);
        foreach (var segment in set)
        {
            _pendingFlush.Remove(segment);
            segment.Delete();
            _env.Log(StorageLogLevel.Information, $"{TopicPartition}: deleted {segment} ({reason}).");
        }
        _directoryDirty = true;
    }
}
