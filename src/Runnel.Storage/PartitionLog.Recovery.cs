using Runnel.Storage.Epochs;
using Runnel.Storage.IO;
using Runnel.Storage.Segments;

namespace Runnel.Storage;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Opens a partition directory, recovering it as Kafka's LogLoader does: leftovers of interrupted work are removed
    /// or completed (compaction swaps), then every segment from the one holding the recovery point onwards, and always
    /// the newest, is validated batch by batch (structure, CRC, increasing offsets). The first invalid byte ends the
    /// log: the segment is cut there and later segments are deleted, with a warning naming partition and offsets.
    /// After a clean shutdown nothing is re-validated. Damaged files never throw; unreadable ones do (IoError).
    /// </summary>
    internal static PartitionLog Open(TopicPartition tp, string dir, LogConfig config, LogLoadState state, LogEnvironment env)
    {
        var fs = env.FileSystem;
        fs.CreateDirectory(dir);
        RemoveLeftovers(tp, dir, env);
        var baseOffsets = fs.ListFiles(dir)
            .Select(p => SegmentFiles.TryParseBaseOffset(p, SegmentFiles.LogSuffix, "", out var b) ? b : -1)
            .Where(b => b >= 0).Order().ToList();
        var segments = new List<LogSegment>();
        var recovering = false;
        for (var i = 0; i < baseOffsets.Count; i++)
        {
            var baseOffset = baseOffsets[i];
            var isNewest = i == baseOffsets.Count - 1;
            var next = i + 1 < baseOffsets.Count ? baseOffsets[i + 1] : long.MaxValue;
            // Recover from the segment holding the recovery point: it and everything after may hold unflushed bytes.
            recovering |= !state.CleanShutdown && (next > state.RecoveryPoint || isNewest);
            var segment = LogSegment.Open(fs, dir, baseOffset, config, env.NowMs);
            var previousEnd = segments.Count > 0 ? segments[^1].NextOffset : long.MinValue;
            if (baseOffset < previousEnd)
            {
                env.Log(StorageLogLevel.Warning, $"{tp}: segment {baseOffset} overlaps the previous one (ends at {previousEnd}); deleting it and every later segment.");
                DeleteFrom(segment, baseOffsets.Skip(i + 1), fs, dir);
                break;
            }
            if (!recovering && segment.LoadTrusted())
            {
                segments.Add(segment);
                continue;
            }
            recovering = true;
            var result = segment.Recover();
            segments.Add(segment);
            // An empty segment with others after it held appends that never reached the disk (rolls never leave an
            // empty segment behind, and compaction output is always below the recovery point): the log ends here.
            var lostTail = result.ValidBytes == 0 && !isNewest;
            if (result.TruncatedBytes > 0 || lostTail)
            {
                var later = baseOffsets.Skip(i + 1).ToList();
                env.Log(StorageLogLevel.Warning,
                    $"{tp}: recovery cut {result.TruncatedBytes} bytes from segment {baseOffset} at position {result.ValidBytes} "
                    + $"(log now ends at offset {segment.NextOffset}; {result.Reason ?? "an empty segment in the middle of the log"}); deleting {later.Count} later segment(s) "
                    + (later.Count > 0 ? $"from offset {later[0]}." : "."));
                foreach (var b in later)
                    SegmentFiles.DeleteAll(fs, dir, b);
                break;
            }
        }
        var log = new PartitionLog(tp, dir, config, env, [.. segments]);
        log.FinishLoad(state, recovering);
        return log;
    }

    private void FinishLoad(LogLoadState state, bool recovered)
    {
        var fs = _env.FileSystem;
        if (_segments.Length == 0)
        {
            _segments = [LogSegment.Create(fs, Directory, Math.Max(0, state.LogStartOffset), Config, _env.NowMs)];
            _directoryDirty = true;
        }
        _logEndOffset = ActiveSegment.NextOffset;
        _logStartOffset = Math.Max(state.LogStartOffset, _segments[0].BaseOffset);
        if (_logStartOffset > _logEndOffset)
        {
            // The checkpoint is ahead of what survived (DeleteRecords was persisted, the data after it was not).
            _env.Log(StorageLogLevel.Warning, $"{TopicPartition}: log start offset {_logStartOffset} is past the recovered end {_logEndOffset}; starting empty there.");
            var start = _logStartOffset;
            RemoveSegmentsLocked(_segments, "emptied to the log start offset");
            _segments = [LogSegment.Create(fs, Directory, start, Config, _env.NowMs)];
            _logEndOffset = start;
        }
        _recoveryPoint = state.CleanShutdown ? _logEndOffset : Math.Min(state.RecoveryPoint, _logEndOffset);
        _lastFlushMs = _env.NowMs;
        _highWatermark = Math.Clamp(state.HighWatermark, _logStartOffset, _logEndOffset);
        LoadLeaderEpochs();
        LoadProducerStateLocked();
        if (recovered || _directoryDirty)
        {
            // Recovery validated bytes that may exist only in the page cache; make them durable before anyone reads
            // them, or an OS crash could take back what a consumer already saw (KAFKA-10101's phantom message).
            foreach (var segment in _segments.Where(s => s.NextOffset > _recoveryPoint || s.BaseOffset >= _recoveryPoint))
                _pendingFlush.Add(segment);
            _pendingFlush.Remove(ActiveSegment);
            _directoryDirty = true;
            Flush();
        }
    }

    /// <summary>
    /// The leader epoch cache from its checkpoint, trimmed to what the log holds now (recovery may have cut the tail);
    /// rebuilt from the batches when the file is missing or unreadable and the log is not empty.
    /// </summary>
    private void LoadLeaderEpochs()
    {
        var file = new LeaderEpochCheckpointFile(_env.FileSystem, System.IO.Path.Combine(Directory, LeaderEpochCheckpointFile.FileName));
        var stored = file.Read();
        if (stored is null)
            file.Delete();
        if (stored is null && _logEndOffset > _logStartOffset)
        {
            stored = [];
            foreach (var (epoch, offset) in _segments.SelectMany(s => s.EpochStarts()))
            {
                if (stored.Count == 0 || epoch > stored[^1].Epoch)
                    stored.Add(new EpochEntry(epoch, offset));
            }
            _env.Log(StorageLogLevel.Information, $"{TopicPartition}: rebuilt the leader epoch cache from the log ({stored.Count} epochs).");
        }
        var rebuilt = stored is not null && !file.Exists;
        _epochs = new LeaderEpochCache(file, stored ?? [], _env.Log);
        _epochs.TruncateFromEnd(_logEndOffset);
        _epochs.TruncateFromStart(_logStartOffset);
        if (rebuilt)
            _epochs.Persist();
    }

    /// <summary>Deletes temp and half-deleted files, drops uncommitted compaction output, and completes committed swaps.</summary>
    private static void RemoveLeftovers(TopicPartition tp, string dir, LogEnvironment env)
    {
        var fs = env.FileSystem;
        var changed = false;
        foreach (var path in fs.ListFiles(dir))
        {
            if (path.EndsWith(SegmentFiles.TempSuffix, StringComparison.Ordinal) || path.EndsWith(SegmentFiles.DeletedSuffix, StringComparison.Ordinal)
                || path.EndsWith(SegmentFiles.CleanedSuffix, StringComparison.Ordinal))
            {
                fs.DeleteFile(path);
                changed = true;
            }
        }
        foreach (var path in fs.ListFiles(dir))
        {
            if (!path.EndsWith(SegmentFiles.SwapSuffix, StringComparison.Ordinal))
                continue;
            changed = true;
            if (!SegmentFiles.TryParseBaseOffset(path, SegmentFiles.LogSuffix, SegmentFiles.SwapSuffix, out var swapBase))
            {
                fs.DeleteFile(path); // an index swap file: indexes are rebuilt from the swapped-in log
                continue;
            }
            CompleteSwap(tp, dir, env, path, swapBase);
        }
        if (changed)
            fs.SyncDirectory(dir);
    }

    /// <summary>
    /// A <c>.log.swap</c> file is compaction output that was committed (fsynced, then renamed from <c>.cleaned</c>):
    /// the segments it replaces are those whose base offsets fall in its offset range, and they go before it takes
    /// their place. Repeating this after a crash half-way is harmless.
    /// </summary>
    internal static void CompleteSwap(TopicPartition tp, string dir, LogEnvironment env, string swapPath, long swapBase)
    {
        var fs = env.FileSystem;
        long next;
        using (var file = fs.Open(swapPath, create: false))
        using (var scanner = new SegmentScanner(file, file.Length))
        {
            next = swapBase;
            var position = 0;
            while (scanner.TryRead(position, next, verify: false, out var batch))
            {
                position += batch.Size;
                next = batch.LastOffset + 1;
            }
        }
        foreach (var path in fs.ListFiles(dir))
        {
            if (SegmentFiles.TryParseBaseOffset(path, SegmentFiles.LogSuffix, "", out var b) && b >= swapBase && b < next)
                SegmentFiles.DeleteAll(fs, dir, b);
        }
        fs.Rename(swapPath, SegmentFiles.LogPath(dir, swapBase));
        env.Log(StorageLogLevel.Information, $"{tp}: completed the compaction swap of [{swapBase}, {next}).");
    }

    private static void DeleteFrom(LogSegment segment, IEnumerable<long> later, IFileSystem fs, string dir)
    {
        segment.Delete();
        foreach (var b in later)
            SegmentFiles.DeleteAll(fs, dir, b);
    }

}
