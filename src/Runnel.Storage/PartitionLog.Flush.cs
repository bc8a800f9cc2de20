using Runnel.Storage.Segments;

namespace Runnel.Storage;

public sealed partial class PartitionLog
{
    // Rolled segments whose indexes (and maybe bytes) are not yet on disk; guarded by _lock.
    private readonly List<LogSegment> _pendingFlush = [];
    private bool _directoryDirty;
    private bool _flushRequested;
    private long _lastFlushMs;

    /// <summary>True when flush.messages was reached by an append; the owner then calls <see cref="Flush"/>.</summary>
    internal bool FlushRequested => Volatile.Read(ref _flushRequested);

    /// <summary>
    /// fsyncs everything appended so far and returns the new recovery point. Appends continue meanwhile; the
    /// recovery point only ever covers bytes that were published before the fsync began. An fsync failure takes the
    /// log offline (no retry: after a failed fsync Linux may have dropped the dirty pages and reports success next
    /// time), so the broker must reopen it, which re-validates from the last good recovery point.
    /// </summary>
    public long Flush()
    {
        lock (_flushLock)
        {
            long target;
            LogSegment active;
            LogSegment[] rolled;
            string[] snapshots;
            bool directoryDirty;
            lock (_lock)
            {
                ThrowIfOffline();
                target = _logEndOffset;
                active = ActiveSegment;
                rolled = [.. _pendingFlush];
                _pendingFlush.Clear();
                snapshots = [.. _unflushedSnapshots];
                _unflushedSnapshots.Clear();
                directoryDirty = _directoryDirty;
                _directoryDirty = false;
                _flushRequested = false;
                _lastFlushMs = _env.NowMs;
            }
            if (target <= _recoveryPoint && rolled.Length == 0 && !directoryDirty)
                return target;
            var started = _env.Time.GetTimestamp();
            try
            {
                foreach (var segment in rolled)
                    segment.Flush(withIndexes: true);
                active.Flush(withIndexes: false);
                FlushSnapshots(snapshots);
                // New segment files exist only once their directory entry is durable.
                if (directoryDirty)
                    _env.FileSystem.SyncDirectory(Directory);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                GoOffline("fsync failed", e);
                throw new StorageException(StorageErrorKind.IoError, $"fsync of {TopicPartition} failed: {e.Message}", e);
            }
            Metrics.StorageMetrics.LogFlushTime.Record(_env.Time.GetElapsedTime(started).TotalSeconds);
            lock (_lock)
            {
                if (target > _recoveryPoint)
                    Volatile.Write(ref _recoveryPoint, Math.Min(target, _logEndOffset));
                return _recoveryPoint;
            }
        }
    }

    /// <summary>Page-cache mode: flushes when flush.messages was reached or flush.ms has passed since the last flush.</summary>
    internal void FlushIfDue(long nowMs)
    {
        if (_offline)
            return;
        if (FlushRequested || (nowMs - Volatile.Read(ref _lastFlushMs) >= Config.FlushMs && LogEndOffset > RecoveryPoint))
            Flush();
    }

    /// <summary>
    /// Completes once every offset below <paramref name="offset"/> is fsynced. With a group committer one fsync
    /// covers every waiter of every partition that appended before it began; without one this flushes inline.
    /// </summary>
    /// <exception cref="StorageException">The covering fsync failed; the log is offline.</exception>
    public Task WaitForDurableAsync(long offset)
    {
        if (RecoveryPoint >= offset)
            return Task.CompletedTask;
        if (_env.Committer is { } committer)
            return committer.WaitAsync(this, offset);
        Flush();
        return Task.CompletedTask;
    }
}
