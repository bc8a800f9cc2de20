using System.Buffers.Binary;
using Runnel.Protocol.Records;
using Runnel.Storage.IO;
using Runnel.Storage.Transactions;

namespace Runnel.Storage.Segments;

/// <summary>
/// One segment: a <c>.log</c> file of record batches exactly as they travel on the wire, with its sparse offset
/// and time indexes. Appends, truncation and index rebuilds run under the owning log's lock; reads run without it
/// and see only bytes below the published <see cref="Size"/>. The files stay open while any reader holds a lease
/// (<see cref="TryAcquire"/>), so deleting a segment never pulls bytes from under a fetch.
/// </summary>
internal sealed partial class LogSegment
{
    private readonly IFileSystem _fs;
    private int _size;
    private long _nextOffset;
    private int _flushedSize;
    private int _bytesSinceIndexEntry;
    private int _leases = 1;
    private bool _indexesDirty;

    private LogSegment(IFileSystem fs, string dir, long baseOffset, LogConfig config, long createdMs, bool create)
    {
        _fs = fs;
        Config = config;
        Directory = dir;
        BaseOffset = baseOffset;
        CreatedMs = createdMs;
        LogFile = fs.Open(SegmentFiles.LogPath(dir, baseOffset), create: true);
        OffsetIndex = new OffsetIndex(fs.Open(SegmentFiles.IndexPath(dir, baseOffset), create: true), baseOffset, config.SegmentIndexBytes);
        TimeIndex = new TimeIndex(fs.Open(SegmentFiles.TimeIndexPath(dir, baseOffset), create: true), baseOffset, config.SegmentIndexBytes);
        var txnIndexPath = SegmentFiles.TxnIndexPath(dir, baseOffset);
        if (create)
        {
            TxnIndex = TransactionIndex.Create(fs, txnIndexPath, baseOffset);
        }
        else
        {
            TxnIndex = TransactionIndex.Open(fs, txnIndexPath, baseOffset, out var valid);
            TxnIndexNeedsRebuild = !valid;
        }
        _nextOffset = baseOffset;
    }

    /// <summary>The aborted transactions whose abort markers are in this segment (Kafka's <c>.txnindex</c>).</summary>
    public TransactionIndex TxnIndex { get; }

    /// <summary>Set when the transaction index failed its checks at open or recovery rebuilt this segment: the log refills it.</summary>
    public bool TxnIndexNeedsRebuild { get; set; }

    public string Directory { get; }

    /// <summary>The partition's current config (its log replaces it on AlterConfigs): roll and index spacing follow it.</summary>
    public LogConfig Config { get; set; }

    public long BaseOffset { get; }

    public IStorageFile LogFile { get; }

    public OffsetIndex OffsetIndex { get; }

    public TimeIndex TimeIndex { get; }

    /// <summary>Published log size: every byte below it is a whole, appended batch.</summary>
    public int Size => Volatile.Read(ref _size);

    /// <summary>One past the last offset in this segment (its base offset while empty).</summary>
    public long NextOffset => Volatile.Read(ref _nextOffset);

    public bool IsEmpty => Size == 0;

    /// <summary>The largest batch max timestamp, for retention.ms and ListOffsets(max timestamp); -1 when none.</summary>
    public long MaxTimestamp { get; private set; } = -1;

    /// <summary>Base offset of the first batch that reached <see cref="MaxTimestamp"/>.</summary>
    public long OffsetOfMaxTimestamp { get; private set; } = -1;

    /// <summary>When this segment was created (for segment.ms when its first batch has no usable timestamp).</summary>
    public long CreatedMs { get; }

    /// <summary>The first batch's max timestamp: segment.ms counts from it, as Kafka's rollingBasedTimestamp does.</summary>
    public long FirstBatchTimestamp { get; private set; } = -1;

    /// <summary>True when the log file holds bytes not yet fsynced (or indexes not yet written).</summary>
    public bool IsDirty => _flushedSize != Size || _indexesDirty;

    public static LogSegment Create(IFileSystem fs, string dir, long baseOffset, LogConfig config, long nowMs)
    {
        var segment = new LogSegment(fs, dir, baseOffset, config, nowMs, create: true);
        // A recreated segment must not inherit bytes from a file that was left behind.
        segment.LogFile.SetLength(0);
        segment.OffsetIndex.Reset();
        segment.TimeIndex.Reset();
        segment.OffsetIndex.WritePending();
        segment.TimeIndex.WritePending();
        return segment;
    }

    /// <summary>
    /// Appends batches whose offsets the log has already stamped. The caller guarantees they are well formed, that
    /// offsets increase from <see cref="NextOffset"/>, and that they fit (see <see cref="CanAppend"/>).
    /// </summary>
    public void Append(ReadOnlySpan<byte> batches, long lastOffset)
    {
        var start = _size;
        LogFile.Write(start, batches);
        for (var pos = 0; pos < batches.Length;)
        {
            var batch = batches[pos..];
            var size = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.BatchLengthOffset..]) + RecordBatchHeader.LogOverhead;
            var baseOffset = BinaryPrimitives.ReadInt64BigEndian(batch);
            var maxTimestamp = BinaryPrimitives.ReadInt64BigEndian(batch[RecordBatchHeader.MaxTimestampOffset..]);
            TrackBatch(start + pos, size, baseOffset, maxTimestamp);
            pos += size;
        }
        _indexesDirty = true;
        Volatile.Write(ref _size, start + batches.Length);
        Volatile.Write(ref _nextOffset, lastOffset + 1);
    }

    /// <summary>Indexes one batch: an offset entry every index.interval.bytes, a time entry with it when time grew.</summary>
    private void TrackBatch(int position, int size, long baseOffset, long maxTimestamp)
    {
        if (FirstBatchTimestamp < 0 && position == 0)
            FirstBatchTimestamp = maxTimestamp;
        if (maxTimestamp > MaxTimestamp)
        {
            MaxTimestamp = maxTimestamp;
            OffsetOfMaxTimestamp = baseOffset;
        }
        if (_bytesSinceIndexEntry > Config.IndexIntervalBytes || position == 0)
        {
            // The first batch is always indexed so that the time index has an entry from the start.
            if (position != 0)
                OffsetIndex.Append(baseOffset, position);
            if (MaxTimestamp >= 0)
                TimeIndex.MaybeAppend(MaxTimestamp, OffsetOfMaxTimestamp);
            _bytesSinceIndexEntry = 0;
        }
        _bytesSinceIndexEntry += size;
    }

    /// <summary>Whether <paramref name="bytes"/> more bytes ending at <paramref name="lastOffset"/> fit this segment.</summary>
    public bool CanAppend(int bytes, long lastOffset) =>
        (IsEmpty || (long)Size + bytes <= Config.SegmentBytes)
        && lastOffset - BaseOffset <= int.MaxValue
        && (long)Size + bytes <= int.MaxValue
        && !OffsetIndex.IsFull && !TimeIndex.IsFull;

    /// <summary>segment.ms: a non-empty segment rolls once its first batch (or its creation) is that old.</summary>
    public bool IsDueToRoll(long nowMs) =>
        !IsEmpty && nowMs - (FirstBatchTimestamp >= 0 ? Math.Min(FirstBatchTimestamp, nowMs) : CreatedMs) >= Config.SegmentMs;

    /// <summary>
    /// fsyncs the log bytes. Index files are written and fsynced only when <paramref name="withIndexes"/> (inactive
    /// segments): recovery always rebuilds the newest segment's indexes, so an fsync for them per commit is waste.
    /// </summary>
    public void Flush(bool withIndexes)
    {
        var size = Size;
        if (_flushedSize != size)
        {
            LogFile.Flush();
            TxnIndex.Flush();
            _flushedSize = size;
        }
        if (withIndexes && _indexesDirty)
        {
            OffsetIndex.Flush();
            TimeIndex.Flush();
            _indexesDirty = false;
        }
    }

    /// <summary>When the segment stops being active: a last time index entry so its max timestamp survives a restart.</summary>
    public void OnBecomeInactive()
    {
        if (MaxTimestamp >= 0)
            TimeIndex.MaybeAppend(MaxTimestamp, OffsetOfMaxTimestamp);
        _indexesDirty = true;
    }

    /// <summary>Takes a read lease; false once the segment was closed or deleted.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var leases = Volatile.Read(ref _leases);
            if (leases <= 0)
                return false;
            if (Interlocked.CompareExchange(ref _leases, leases + 1, leases) == leases)
                return true;
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _leases) == 0)
        {
            LogFile.Dispose();
            OffsetIndex.Dispose();
            TimeIndex.Dispose();
            TxnIndex.Dispose();
        }
    }

    /// <summary>Writes pending index entries, then gives up the owner's lease (files close once readers finish).</summary>
    public void Close()
    {
        try
        {
            OffsetIndex.WritePending();
            TimeIndex.WritePending();
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Removes the segment's files; open leases keep the bytes readable until released.</summary>
    public void Delete()
    {
        SegmentFiles.DeleteAll(_fs, Directory, BaseOffset);
        Release();
    }

    public override string ToString() => $"segment {BaseOffset} [{BaseOffset}, {NextOffset}) {Size} bytes";
}
