using Runnel.Storage.Producers;
using Runnel.Storage.Segments;

namespace Runnel.Storage;

/// <summary>Producer state snapshots (Kafka's <c>.snapshot</c> files, see <see cref="ProducerSnapshotFile"/>): when they are taken, loaded and removed.</summary>
public sealed partial class PartitionLog
{
    // The offsets of this log's snapshot files, ascending; guarded by _lock.
    private readonly SortedSet<long> _snapshots = [];

    // Snapshots written at a roll, not yet fsynced: the next flush does it (Kafka flushes them after the roll); guarded by _lock.
    private readonly List<string> _unflushedSnapshots = [];

    // Where the state was last loaded or snapshotted from (Kafka's lastSnapOffset): a snapshot is taken only past it.
    private long _lastSnapshotOffset;

    /// <summary>The offsets of the producer state snapshots this log keeps, ascending.</summary>
    internal IReadOnlyList<long> ProducerSnapshotOffsets
    {
        get
        {
            lock (_lock)
                return [.. _snapshots];
        }
    }

    /// <summary>
    /// Kafka's takeSnapshot: writes the producer state as a snapshot at its map end offset, when that is past the offset
    /// of the last snapshot taken or loaded (or of the empty state's start). Without <paramref name="sync"/> (a roll,
    /// as Kafka's) the next <see cref="Flush"/> fsyncs the file; until then a crash may tear or lose it, and the next
    /// load ignores it and starts from an older snapshot. A failed write is logged and costs only
    /// that: the next load replays more of the log.
    /// </summary>
    private void TakeProducerSnapshotLocked(bool sync)
    {
        var offset = _producers.MapEndOffset;
        if (offset <= _lastSnapshotOffset)
            return;
        var path = ProducerSnapshotFile.PathFor(Directory, offset);
        try
        {
            ProducerSnapshotFile.Write(_env.FileSystem, path, _producers.ToSnapshot(), sync);
            if (!sync)
                _unflushedSnapshots.Add(path);
            _snapshots.Add(offset);
            _lastSnapshotOffset = offset;
        }
        catch (IOException e)
        {
            _env.Log(StorageLogLevel.Warning, $"{TopicPartition}: writing the producer snapshot at {offset} failed: {e.Message}");
            TryDeleteSnapshotFile(path);
        }
    }

    /// <summary>
    /// Loads the producer state as Kafka's rebuildProducerState does, at open and after a truncation: snapshots past the
    /// log end or below the first segment go (the state of batches below the log start but still in the first segment
    /// is kept, where Kafka drops a snapshot at or below the log start), and so do those at no segment's base offset except the newest (Kafka's
    /// removeStraySnapshots); the newest remaining snapshot not above the first segment whose transaction index must be
    /// rebuilt is loaded (a damaged one is logged, deleted, and the next older one tried; with none the state starts
    /// empty at the first segment's base offset), then the batches from its offset to the log end are replayed, re-indexing the aborted
    /// transactions of segments whose index is rebuilt. When anything was replayed a snapshot at the log end is taken (fsynced).
    /// </summary>
    private void LoadProducerStateLocked()
    {
        var fs = _env.FileSystem;
        _snapshots.Clear();
        _snapshots.UnionWith(ProducerSnapshotFile.List(fs, Directory));
        var bases = _segments.Select(s => s.BaseOffset).ToHashSet();
        var first = _segments[0].BaseOffset;
        var newest = _snapshots.Where(o => o <= _logEndOffset).DefaultIfEmpty(-1).Max();
        foreach (var offset in _snapshots.Where(o => o > _logEndOffset || o < first || (o != newest && !bases.Contains(o))).ToList())
            DeleteSnapshotLocked(offset);
        var rebuildFrom = _segments.FirstOrDefault(s => s.TxnIndexNeedsRebuild)?.BaseOffset ?? long.MaxValue;
        _producers.Clear(first);
        foreach (var offset in _snapshots.Reverse().Where(o => o <= rebuildFrom).ToList())
        {
            var entries = ProducerSnapshotFile.Read(fs, ProducerSnapshotFile.PathFor(Directory, offset), out var problem);
            if (entries is null)
            {
                _env.Log(StorageLogLevel.Warning, $"{TopicPartition}: ignoring the damaged producer snapshot at {offset} ({problem}); deleting it.");
                DeleteSnapshotLocked(offset);
                continue;
            }
            _producers.Load(entries, offset);
            break;
        }
        var from = _producers.MapEndOffset;
        _lastSnapshotOffset = from;
        var replayed = ReplayProducersLocked(from);
        _producers.MapEndOffset = _logEndOffset;
        _producers.OnHighWatermark(_highWatermark);
        if (from < _logEndOffset)
        {
            _env.Log(StorageLogLevel.Information,
                $"{TopicPartition}: producer state rebuilt from {(_snapshots.Contains(from) ? $"the snapshot at {from}" : "the start of the log")}, replaying {replayed} producer batches up to {_logEndOffset}.");
        }
        TakeProducerSnapshotLocked(sync: true);
    }

    /// <summary>Replays every producer batch at or after <paramref name="from"/> into the state; returns how many there were.</summary>
    private int ReplayProducersLocked(long from)
    {
        var count = 0;
        byte[] control = [];
        foreach (var segment in _segments)
        {
            var rebuild = segment.TxnIndexNeedsRebuild;
            if (rebuild)
                segment.TxnIndex.Reset();
            segment.TxnIndexNeedsRebuild = false;
            var size = segment.Size;
            if (segment.NextOffset <= from || !segment.TryFindBatch(from, size, out var first))
                continue;
            var position = first.Position;
            var next = first.BaseOffset;
            using var scanner = new SegmentScanner(segment.LogFile, size);
            while (scanner.TryRead(position, next, verify: false, out var info))
            {
                if (info.ProducerId >= 0 && info.LastOffset >= from)
                {
                    ReadOnlySpan<byte> bytes = default;
                    if ((info.Attributes & ControlMask) != 0)
                    {
                        if (control.Length < info.Size)
                            control = new byte[info.Size];
                        segment.LogFile.Read(position, control.AsSpan(0, info.Size));
                        bytes = control.AsSpan(0, info.Size);
                    }
                    Track(bytes, info, segment, indexAborts: rebuild);
                    count++;
                }
                position += info.Size;
                next = info.LastOffset + 1;
            }
        }
        return count;
    }

    /// <summary>Retention moved the log's first segment: snapshots below its base offset describe data that is gone.</summary>
    private void DeleteSnapshotsBelowLocked(long offset)
    {
        foreach (var old in _snapshots.Where(o => o < offset).ToList())
            DeleteSnapshotLocked(old);
    }

    /// <summary>A full truncation: every snapshot goes and the state starts empty at <paramref name="offset"/>.</summary>
    private void ClearProducersLocked(long offset)
    {
        foreach (var old in _snapshots.ToList())
            DeleteSnapshotLocked(old);
        _producers.Clear(offset);
        _lastSnapshotOffset = offset;
    }

    /// <summary>fsyncs snapshots a roll wrote (under the flush lock, not the log's); one deleted meanwhile is skipped, a failure only logged.</summary>
    private void FlushSnapshots(string[] paths)
    {
        foreach (var path in paths)
        {
            try
            {
                if (!_env.FileSystem.FileExists(path))
                    continue;
                using var file = _env.FileSystem.Open(path, create: false);
                file.Flush();
            }
            catch (FileNotFoundException)
            {
                // Deleted (a truncation or retention) between the check and the open.
            }
            catch (IOException e)
            {
                _env.Log(StorageLogLevel.Warning, $"{TopicPartition}: fsync of {path} failed: {e.Message}");
            }
        }
    }

    private void DeleteSnapshotLocked(long offset)
    {
        _snapshots.Remove(offset);
        _env.FileSystem.DeleteFile(ProducerSnapshotFile.PathFor(Directory, offset));
    }

    private void TryDeleteSnapshotFile(string path)
    {
        try
        {
            _env.FileSystem.DeleteFile(path);
        }
        catch (IOException e)
        {
            _env.Log(StorageLogLevel.Warning, $"{TopicPartition}: could not delete {path}: {e.Message}");
        }
    }
}
