using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage.Segments;

namespace Runnel.Storage;

/// <summary>A ListOffsets answer: an offset and the timestamp that selected it.</summary>
public readonly record struct TimestampAndOffset(long Timestamp, long Offset);

public sealed partial class PartitionLog
{
    /// <summary>
    /// Reads whole batches from <paramref name="offset"/>: at most <paramref name="maxBytes"/> (unless
    /// <paramref name="minOneBatch"/> lets a larger first batch through, as Kafka's KIP-74 does), and only batches
    /// wholly below <paramref name="maxOffset"/> (the high watermark or last stable offset). The result stays within one
    /// segment; the next read continues in the next one.
    /// </summary>
    /// <exception cref="StorageException">OffsetOutOfRange when the offset is below the log start or above the log end.</exception>
    public LogReadResult Read(long offset, int maxBytes, long maxOffset = long.MaxValue, bool minOneBatch = true)
    {
        while (true)
        {
            // Order matters: the end offset first, then the segments that hold at least that much.
            var end = LogEndOffset;
            var start = LogStartOffset;
            var segments = Volatile.Read(ref _segments);
            if (offset < start || offset > end)
                throw new StorageException(StorageErrorKind.OffsetOutOfRange, $"Offset {offset} is outside [{start}, {end}] of {TopicPartition}.");
            var bound = Math.Min(maxOffset, end);
            if (offset >= bound)
                return LogReadResult.Empty(start, end);
            if (TryReadFrom(segments, offset, maxBytes, bound, minOneBatch, start, end, out var result))
                return result;
            // A segment was deleted under us (retention, truncation): look again with fresh state.
        }
    }

    private bool TryReadFrom(LogSegment[] segments, long offset, int maxBytes, long bound, bool minOneBatch, long start, long end, out LogReadResult result)
    {
        for (var i = Math.Max(0, FloorSegment(segments, offset)); i < segments.Length; i++)
        {
            var segment = segments[i];
            if (!segment.TryAcquire())
            {
                result = null!;
                return false;
            }
            var found = segment.TryLocate(offset, maxBytes, bound, minOneBatch, out var slice);
            RepairIndexIfSuspect(segment);
            if (found && slice.Length > 0)
            {
                result = new LogReadResult(segment, slice, start, end);
                return true;
            }
            segment.Release();
            if (found)
                break;
        }
        result = LogReadResult.Empty(start, end);
        return true;
    }

    /// <summary>ListOffsets by timestamp: the first batch whose max timestamp is at least <paramref name="timestamp"/>.</summary>
    /// <returns>The batch's base offset and max timestamp, or null when every batch is older.</returns>
    public TimestampAndOffset? FindOffsetByTimestamp(long timestamp)
    {
        var start = LogStartOffset;
        foreach (var segment in Volatile.Read(ref _segments))
        {
            if (segment.MaxTimestamp < timestamp || !segment.TryAcquire())
                continue;
            try
            {
                var found = segment.TryFindByTimestamp(timestamp, out var batch);
                RepairIndexIfSuspect(segment);
                if (found && batch.LastOffset >= start)
                    return FirstRecordAtOrAfter(segment, batch, timestamp, start);
            }
            finally
            {
                segment.Release();
            }
        }
        return null;
    }

    /// <summary>
    /// Within the batch found by the time index, the first record at or after <paramref name="timestamp"/> (and at or
    /// after the log start), as Kafka answers ListOffsets; the batch's base offset if its records cannot be read.
    /// </summary>
    private static TimestampAndOffset FirstRecordAtOrAfter(LogSegment segment, BatchInfo batch, long timestamp, long start)
    {
        var bytes = new byte[batch.Size];
        segment.LogFile.Read(batch.Position, bytes);
        using var scratch = new KafkaWriter();
        var records = RecordBatch.ReadRecords(bytes, scratch, SegmentFiles.MaxUncompressedBatchBytes);
        while (records.MoveNext())
        {
            if (records.Current.Timestamp >= timestamp && records.Current.Offset >= start)
                return new TimestampAndOffset(records.Current.Timestamp, records.Current.Offset);
        }
        return new TimestampAndOffset(batch.MaxTimestamp, Math.Max(batch.BaseOffset, start));
    }

    /// <summary>ListOffsets(MAX_TIMESTAMP): the largest timestamp in the log and the batch that first reached it.</summary>
    public TimestampAndOffset? MaxTimestamp()
    {
        LogSegment? best = null;
        foreach (var segment in Volatile.Read(ref _segments))
        {
            if (segment.MaxTimestamp >= 0 && (best is null || segment.MaxTimestamp > best.MaxTimestamp))
                best = segment;
        }
        if (best is null || !best.TryAcquire())
            return null;
        try
        {
            return best.TryFindBatch(best.OffsetOfMaxTimestamp, best.Size, out var batch)
                ? FirstRecordAtOrAfter(best, batch, best.MaxTimestamp, LogStartOffset)
                : new TimestampAndOffset(best.MaxTimestamp, best.OffsetOfMaxTimestamp);
        }
        finally
        {
            best.Release();
        }
    }

    /// <summary>The index of the last segment whose base offset is at most <paramref name="offset"/>, or -1.</summary>
    private static int FloorSegment(LogSegment[] segments, long offset)
    {
        int lo = 0, hi = segments.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (segments[mid].BaseOffset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }

    private void RepairIndexIfSuspect(LogSegment segment)
    {
        if (!segment.IndexSuspect)
            return;
        _env.Log(StorageLogLevel.Warning, $"{TopicPartition}: an index of segment {segment.BaseOffset} did not match the log; rebuilding it.");
        lock (_flushLock)
            lock (_lock)
                segment.RebuildIndexes();
    }
}
