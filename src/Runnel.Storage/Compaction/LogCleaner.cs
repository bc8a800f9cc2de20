using Runnel.Protocol.Primitives;
using Runnel.Storage.Segments;

namespace Runnel.Storage.Compaction;

/// <summary>What one compaction pass over a partition did.</summary>
public readonly record struct CleanResult(int Groups, long BytesBefore, long BytesAfter, long RecordsRemoved);

/// <summary>
/// Compaction for cleanup.policy=compact (and compact,delete): keeps the latest record of each key, drops tombstones
/// (null values) once their timestamp is older than delete.retention.ms, and never touches the active segment, the
/// unflushed tail or segments younger than min.compaction.lag.ms. It reads only immutable segments and writes new
/// files, so appends and reads run on meanwhile; only the swap takes the log's lock (see
/// <see cref="PartitionLog"/>). Control and transactional batches are kept whole, with the replaced segments' aborted
/// transactions indexed in the output, and their keys do not count as newer values of a key (an aborted or still open
/// transaction's record never makes a committed one obsolete); Kafka's cleaner, which removes aborted data and
/// markers, compacts more.
/// </summary>
public sealed class LogCleaner
{
    private readonly LogEnvironment _env;

    internal LogCleaner(LogEnvironment env) => _env = env;

    /// <summary>
    /// Compacts the log once when at least min.cleanable.dirty.ratio of its cleanable bytes are new since the last
    /// pass (or always, with <paramref name="force"/>). Returns null when there was nothing to do.
    /// </summary>
    public CleanResult? Clean(PartitionLog log, bool force = false)
    {
        var config = log.Config;
        if (!config.Compact)
            return null;
        var now = _env.NowMs;
        var cleanable = log.CleanableSegments(now);
        if (cleanable.Count == 0)
            return null;
        long total = cleanable.Sum(s => (long)s.Size), dirty = cleanable.Where(s => s.NextOffset > log.CleanedUpTo).Sum(s => (long)s.Size);
        if (total == 0 || (!force && (double)dirty / total < config.MinCleanableDirtyRatio))
            return null;
        if (!AcquireAll(cleanable))
            return null;
        try
        {
            var map = BuildMap(cleanable);
            var end = cleanable[^1].NextOffset;
            var tombstoneHorizon = now - config.DeleteRetentionMs;
            var result = new CleanResult();
            foreach (var group in Group(cleanable, config))
            {
                var (before, after, removed, swapped) = CleanGroup(log, group, map, tombstoneHorizon);
                if (!swapped)
                    return result.Groups == 0 ? null : result;
                result = new CleanResult(result.Groups + 1, result.BytesBefore + before, result.BytesAfter + after, result.RecordsRemoved + removed);
            }
            log.CleanedUpTo = end;
            return result;
        }
        finally
        {
            foreach (var segment in cleanable)
                segment.Release();
        }
    }

    private static bool AcquireAll(IReadOnlyList<LogSegment> segments)
    {
        for (var i = 0; i < segments.Count; i++)
        {
            if (segments[i].TryAcquire())
                continue;
            for (var j = 0; j < i; j++)
                segments[j].Release();
            return false;
        }
        return true;
    }

    /// <summary>Pass one: the latest offset of every key in the cleanable range.</summary>
    private static KeyOffsetMap BuildMap(IReadOnlyList<LogSegment> segments)
    {
        var map = new KeyOffsetMap();
        using var scratch = new KafkaWriter();
        foreach (var segment in segments)
        {
            foreach (var batch in SegmentBatches.Read(segment))
            {
                // A transactional record may yet be aborted (or is aborted): it must not make an older value of its key
                // obsolete. Transactional batches are kept whole, so nothing of theirs is lost either.
                if (batch.IsControlOrTransactional)
                    continue;
                var enumerator = Protocol.Records.RecordBatch.ReadRecords(batch.Bytes.Span, scratch, SegmentFiles.MaxUncompressedBatchBytes);
                while (enumerator.MoveNext())
                {
                    if (!enumerator.Current.IsKeyNull)
                        map.Put(enumerator.Current.Key, enumerator.Current.Offset);
                }
            }
        }
        return map;
    }

    /// <summary>Consecutive segments whose combined size fits one segment: each group becomes one output segment.</summary>
    private static IEnumerable<List<LogSegment>> Group(IReadOnlyList<LogSegment> segments, LogConfig config)
    {
        var group = new List<LogSegment>();
        long size = 0;
        foreach (var segment in segments)
        {
            if (group.Count > 0 && size + segment.Size > config.SegmentBytes)
            {
                yield return group;
                group = [];
                size = 0;
            }
            group.Add(segment);
            size += segment.Size;
        }
        if (group.Count > 0)
            yield return group;
    }

    private (long Before, long After, long Removed, bool Swapped) CleanGroup(PartitionLog log, List<LogSegment> group, KeyOffsetMap map, long tombstoneHorizon)
    {
        var fs = _env.FileSystem;
        var cleanedPath = SegmentFiles.LogPath(log.Directory, group[0].BaseOffset, SegmentFiles.CleanedSuffix);
        long before = group.Sum(s => (long)s.Size), removed = 0;
        using var output = new KafkaWriter(64 * 1024);
        using var filter = new BatchFilter();
        using var file = fs.Open(cleanedPath, create: true);
        file.SetLength(0);
        long written = 0;
        byte[]? lastDropped = null;
        foreach (var segment in group)
        {
            foreach (var batch in SegmentBatches.Read(segment))
            {
                output.Reset();
                var bytes = batch.Bytes.Span;
                var fate = batch.IsControlOrTransactional ? BatchFate.KeepWhole
                    : filter.Filter(bytes, (offset, key, keyIsNull, valueIsNull, timestamp) =>
                        keyIsNull || (map.Get(key) == offset && !(valueIsNull && timestamp < tombstoneHorizon)), keepEmpty: batch.ProducerId >= 0, output);
                ReadOnlySpan<byte> kept = fate switch
                {
                    BatchFate.KeepWhole => bytes,
                    BatchFate.Rewritten => output.WrittenSpan,
                    _ => default,
                };
                removed += batch.RecordCount - (fate == BatchFate.Drop ? 0 : RecordCountOf(kept));
                if (fate == BatchFate.Drop)
                    lastDropped = bytes.ToArray();
                file.Write(written, kept);
                written += kept.Length;
            }
        }
        if (written == 0 && lastDropped is not null)
        {
            // Never an empty output segment: recovery reads an empty segment in mid-log as lost appends. The group's
            // last batch stays as an empty batch (header only), as Kafka keeps one to preserve producer state.
            output.Reset();
            filter.Filter(lastDropped, (_, _, _, _, _) => false, keepEmpty: true, output);
            file.Write(0, output.WrittenSpan);
            written = output.Length;
        }
        file.Flush();
        if (log.ReplaceSegments(group, cleanedPath))
            return (before, written, removed, true);
        fs.DeleteFile(cleanedPath);
        return (before, written, 0, false);
    }

    private static int RecordCountOf(ReadOnlySpan<byte> batch) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(batch[Protocol.Records.RecordBatchHeader.RecordCountOffset..]);
}
