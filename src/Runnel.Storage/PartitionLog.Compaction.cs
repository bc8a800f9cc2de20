using Runnel.Storage.Segments;

namespace Runnel.Storage;

public sealed partial class PartitionLog
{
    private long _cleanedUpTo;

    /// <summary>Offsets below this were compacted by the last pass (the cleaner's checkpoint; in memory only).</summary>
    internal long CleanedUpTo
    {
        get => Volatile.Read(ref _cleanedUpTo);
        set => Volatile.Write(ref _cleanedUpTo, value);
    }

    /// <summary>
    /// The segments compaction may rewrite: from the oldest, while each is inactive, fully fsynced (so a cleaned
    /// segment never sits above the recovery point, where recovery expects unflushed appends, not rewritten history)
    /// and older than min.compaction.lag.ms.
    /// </summary>
    internal IReadOnlyList<LogSegment> CleanableSegments(long nowMs)
    {
        var segments = Volatile.Read(ref _segments);
        var result = new List<LogSegment>();
        foreach (var segment in segments[..^1])
        {
            if (segment.NextOffset > RecoveryPoint || segment.MaxTimestamp > nowMs - Config.MinCompactionLagMs)
                break;
            result.Add(segment);
        }
        return result;
    }

    /// <summary>
    /// Swaps compaction output in for <paramref name="group"/>, crash-safely: the output, already fsynced as
    /// <c>.log.cleaned</c>, is renamed to <c>.log.swap</c> and the directory fsynced (the commit point: recovery
    /// completes a swap, and drops a <c>.cleaned</c> file); then the old files go and the swap file takes the first
    /// one's name. Returns false, changing nothing, when the group is no longer intact in the log (retention or a
    /// truncation got there first), so a swap can never resurrect or drop data behind another operation's back.
    /// </summary>
    internal bool ReplaceSegments(IReadOnlyList<LogSegment> group, string cleanedPath)
    {
        lock (_flushLock)
            lock (_lock)
            {
                var segments = _segments;
                var first = Array.IndexOf(segments, group[0]);
                if (_offline || first < 0 || first + group.Count >= segments.Length
                    || group.Where((s, i) => segments[first + i] != s).Any())
                    return false;
                // Everything appended so far goes to disk first: the swap fsyncs the directory, and a directory entry
                // must never become durable before the data of the segments in front of it (durable data stays a prefix).
                Flush();
                var fs = _env.FileSystem;
                var baseOffset = group[0].BaseOffset;
                var swapPath = SegmentFiles.LogPath(Directory, baseOffset, SegmentFiles.SwapSuffix);
                try
                {
                    // The aborted transactions of the replaced segments stay indexed: their batches are kept whole.
                    var aborted = group.SelectMany(s => s.TxnIndex.Entries).ToList();
                    fs.Rename(cleanedPath, swapPath);
                    fs.SyncDirectory(Directory);
                    foreach (var segment in group)
                    {
                        _pendingFlush.Remove(segment);
                        segment.Delete();
                    }
                    fs.Rename(swapPath, SegmentFiles.LogPath(Directory, baseOffset));
                    fs.SyncDirectory(Directory);
                    var replacement = LogSegment.Open(fs, Directory, baseOffset, Config, _env.NowMs);
                    replacement.Recover();
                    replacement.TxnIndexNeedsRebuild = false;
                    foreach (var entry in aborted)
                        replacement.TxnIndex.Append(entry);
                    replacement.Flush(withIndexes: true);
                    Volatile.Write(ref _segments, [.. segments[..first], replacement, .. segments[(first + group.Count)..]]);
                }
                catch (IOException e)
                {
                    // Past the commit point the disk holds the swap; only a reopen (which completes it) is safe now.
                    GoOffline("compaction swap failed", e);
                    throw new StorageException(StorageErrorKind.IoError, $"Compaction swap in {TopicPartition} failed: {e.Message}", e);
                }
                _env.Log(StorageLogLevel.Information, $"{TopicPartition}: compacted {group.Count} segment(s) from offset {baseOffset}.");
                return true;
            }
    }
}
