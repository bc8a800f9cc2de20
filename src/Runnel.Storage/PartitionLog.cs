using System.Buffers.Binary;
using Runnel.Protocol.Records;
using Runnel.Storage.Epochs;
using Runnel.Storage.Segments;

namespace Runnel.Storage;

/// <summary>
/// One partition's commit log: a directory of segments, the newest of which takes appends. Offsets are dense and
/// assigned once, under <c>_lock</c>; reads take no lock and see a consistent prefix because every publish goes
/// data, then segment size, then log end offset. fsyncs run under <c>_flushLock</c> only, so appends continue while
/// a group commit is on the disk. Lock order: <c>_flushLock</c> before <c>_lock</c>.
/// </summary>
public sealed partial class PartitionLog : IDisposable
{
    private readonly object _lock = new();
    private readonly object _flushLock = new();
    private readonly LogEnvironment _env;
    private LogSegment[] _segments;
    private long _logEndOffset;
    private long _logStartOffset;
    private long _highWatermark;
    private long _recoveryPoint;
    private LogConfig _config;
    private volatile bool _offline;
    private string? _offlineReason;
    private LeaderEpochCache _epochs = new(null, []);

    private PartitionLog(TopicPartition tp, string dir, LogConfig config, LogEnvironment env, LogSegment[] segments)
    {
        TopicPartition = tp;
        Directory = dir;
        _config = config;
        _env = env;
        _segments = segments;
    }

    public TopicPartition TopicPartition { get; }

    public string Directory { get; }

    /// <summary>Topic config; replace it to apply an AlterConfigs (it takes effect from the next append).</summary>
    public LogConfig Config
    {
        get => Volatile.Read(ref _config);
        set
        {
            value.Validate();
            lock (_lock)
            {
                Volatile.Write(ref _config, value);
                foreach (var segment in _segments)
                    segment.Config = value;
            }
        }
    }

    /// <summary>The offset the next append gets (LEO).</summary>
    public long LogEndOffset => Volatile.Read(ref _logEndOffset);

    /// <summary>The first offset a consumer may read; advanced by retention and DeleteRecords.</summary>
    public long LogStartOffset => Volatile.Read(ref _logStartOffset);

    /// <summary>
    /// The high watermark as the partition's owner last set it (every offset below it is on every in-sync replica),
    /// always within [log start, log end]; checkpointed in <c>replication-offset-checkpoint</c> so a restarted replica
    /// starts from what it knew.
    /// </summary>
    public long HighWatermark => Volatile.Read(ref _highWatermark);

    /// <summary>
    /// A new leadership starts: <paramref name="epoch"/> begins at <paramref name="startOffset"/> (the log end) even before
    /// anything is written in it, so divergence checks see it at once (Kafka's maybeAssignEpochStartOffset).
    /// </summary>
    public void AssignLeaderEpoch(int epoch, long startOffset)
    {
        lock (_lock)
            _epochs.Assign(epoch, startOffset);
    }

    /// <summary>Sets the high watermark, clamped to [log start, log end]; returns the value now in force.</summary>
    public long UpdateHighWatermark(long offset)
    {
        lock (_lock)
        {
            var value = Math.Clamp(offset, _logStartOffset, _logEndOffset);
            Volatile.Write(ref _highWatermark, value);
            _producers.OnHighWatermark(value);
            return value;
        }
    }

    /// <summary>Every offset below this is fsynced (Kafka's recovery point).</summary>
    public long RecoveryPoint => Volatile.Read(ref _recoveryPoint);

    public int SegmentCount => Volatile.Read(ref _segments).Length;

    /// <summary>The first offset of each leader epoch in this log (Kafka's leader-epoch-checkpoint).</summary>
    public LeaderEpochCache LeaderEpochs => _epochs;

    /// <summary>Bytes on disk across segments.</summary>
    public long Size => Volatile.Read(ref _segments).Sum(s => (long)s.Size);

    /// <summary>
    /// Raised under the log's lock when the log start offset moved up or the recovery point moved down (truncation),
    /// so the owner rewrites its checkpoints before the change is acknowledged: a stale recovery point would let
    /// recovery trust bytes written after the truncation.
    /// </summary>
    internal Action<PartitionLog>? CheckpointNeeded { get; set; }

    internal LogSegment ActiveSegment => Volatile.Read(ref _segments)[^1];

    internal IReadOnlyList<LogSegment> Segments => Volatile.Read(ref _segments);

    /// <summary>
    /// Appends record batches as the leader: stamps each batch's base offset in place (the CRC does not cover it)
    /// and writes the bytes unchanged. The broker has validated the batches; this checks only what protects the
    /// file's structure (lengths, magic, offset deltas).
    /// </summary>
    /// <exception cref="StorageException">InvalidBatch, DiskFull (nothing appended; retry later), IoError, Offline.</exception>
    public LogAppendInfo Append(Span<byte> batches) => Append(batches, assignOffsets: true);

    /// <summary>Appends batches that already carry their offsets (a follower copying its leader); they must be above the LEO.</summary>
    public LogAppendInfo AppendAsFollower(Span<byte> batches) => Append(batches, assignOffsets: false);

    /// <summary>
    /// Appends one batch the broker validated as the leader, taking its summary from that validation instead of walking
    /// the header again: the base offset is stamped here, and the leader epoch is the one the broker stamped.
    /// </summary>
    /// <exception cref="StorageException">DiskFull (nothing appended; retry later), IoError, Offline.</exception>
    public LogAppendInfo AppendAsLeader(Span<byte> batch, in ValidatedBatch validated)
    {
        lock (_lock)
        {
            ThrowIfOffline();
            var first = _logEndOffset;
            BinaryPrimitives.WriteInt64BigEndian(batch, first);
            var newEpoch = validated.LeaderEpoch > (_epochs.Latest?.Epoch ?? -1) ? validated.LeaderEpoch : -1;
            return AppendLocked(batch, new AppendSummary(first, first + validated.LastOffsetDelta, validated.MaxTimestamp, first, newEpoch));
        }
    }

    private LogAppendInfo Append(Span<byte> batches, bool assignOffsets)
    {
        lock (_lock)
        {
            ThrowIfOffline();
            return AppendLocked(batches, Walk(batches, _logEndOffset, assignOffsets, _epochs.Latest?.Epoch ?? -1));
        }
    }

    private LogAppendInfo AppendLocked(Span<byte> batches, in AppendSummary summary)
    {
        var segment = ActiveSegment;
        if (!segment.CanAppend(batches.Length, summary.LastOffset) || segment.IsDueToRoll(_env.NowMs)
            || summary.FirstOffset - segment.BaseOffset > int.MaxValue)
            segment = RollLocked(summary.FirstOffset);
        var position = segment.Size;
        try
        {
            segment.Append(batches, summary.LastOffset);
        }
        catch (IOException e)
        {
            // Nothing is published yet; cut any partial write so the file never holds a torn batch below a good one.
            TryCut(segment, position);
            throw StorageException.FromIo($"Append to {TopicPartition}", e);
        }
        if (summary.NewEpoch >= 0)
            AssignEpochs(batches);
        try
        {
            TrackProducersLocked(batches, segment, summary.LastOffset + 1);
        }
        catch (IOException e)
        {
            // The batches are in the segment but the aborted-transaction index missed one: only a reopen (which rebuilds it) is safe.
            GoOffline("transaction index append failed", e);
            throw StorageException.FromIo($"Transaction index of {TopicPartition}", e);
        }
        Volatile.Write(ref _logEndOffset, summary.LastOffset + 1);
        var info = new LogAppendInfo(summary.FirstOffset, summary.LastOffset, summary.MaxTimestamp, summary.OffsetOfMaxTimestamp,
            _logStartOffset, segment.BaseOffset, position);
        if (_logEndOffset - _recoveryPoint >= Config.FlushMessages)
            _flushRequested = true;
        return info;
    }

    private void TryCut(LogSegment segment, int position)
    {
        try
        {
            segment.LogFile.SetLength(position);
        }
        catch (IOException e)
        {
            // Harmless: the next append overwrites from the published size, and recovery cuts a torn tail.
            _env.Log(StorageLogLevel.Warning, $"{TopicPartition}: could not cut a failed append at {position}: {e.Message}");
        }
    }

    /// <summary>What one walk over the appended batches found; <c>NewEpoch</c> is -1 unless a batch starts a newer leader epoch.</summary>
    private readonly record struct AppendSummary(long FirstOffset, long LastOffset, long MaxTimestamp, long OffsetOfMaxTimestamp, int NewEpoch);

    /// <summary>
    /// Records each leader epoch the appended batches start (rare: once per leadership change), before the log end moves
    /// past them. Runs under the lock, after the bytes are in the segment.
    /// </summary>
    private void AssignEpochs(ReadOnlySpan<byte> batches)
    {
        for (var pos = 0; pos < batches.Length;)
        {
            var batch = batches[pos..];
            var epoch = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.PartitionLeaderEpochOffset..]);
            _epochs.Assign(epoch, BinaryPrimitives.ReadInt64BigEndian(batch));
            pos += BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.BatchLengthOffset..]) + RecordBatchHeader.LogOverhead;
        }
    }

    /// <summary>
    /// One pass over the batch headers: checks structure, stamps offsets (leader) or checks them (follower), and notes
    /// whether a batch carries a leader epoch above <paramref name="latestEpoch"/>.
    /// </summary>
    private static AppendSummary Walk(Span<byte> batches, long nextOffset, bool assignOffsets, int latestEpoch)
    {
        var newEpoch = -1;
        if (batches.IsEmpty)
            throw new StorageException(StorageErrorKind.InvalidBatch, "No batches to append.");
        long first = -1, maxTimestamp = -1, offsetOfMax = -1;
        for (var pos = 0; pos < batches.Length;)
        {
            var batch = batches[pos..];
            if (batch.Length < RecordBatchHeader.Size)
                throw new StorageException(StorageErrorKind.InvalidBatch, $"{batch.Length} trailing bytes at {pos} are not a batch.");
            var length = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.BatchLengthOffset..]);
            var lastDelta = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.LastOffsetDeltaOffset..]);
            if (length < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead || length > batch.Length - RecordBatchHeader.LogOverhead
                || batch[RecordBatchHeader.MagicOffset] != 2 || lastDelta < 0)
                throw new StorageException(StorageErrorKind.InvalidBatch, $"Malformed batch header at {pos} (length {length}, delta {lastDelta}).");
            long baseOffset;
            if (assignOffsets)
            {
                baseOffset = nextOffset;
                BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);
            }
            else
            {
                baseOffset = BinaryPrimitives.ReadInt64BigEndian(batch);
                if (baseOffset < nextOffset)
                    throw new StorageException(StorageErrorKind.InvalidBatch, $"Batch offset {baseOffset} is below the next offset {nextOffset}.");
            }
            if (first < 0)
                first = baseOffset;
            var epoch = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.PartitionLeaderEpochOffset..]);
            if (epoch > latestEpoch)
                newEpoch = latestEpoch = epoch;
            var ts = BinaryPrimitives.ReadInt64BigEndian(batch[RecordBatchHeader.MaxTimestampOffset..]);
            if (ts > maxTimestamp)
            {
                maxTimestamp = ts;
                offsetOfMax = baseOffset;
            }
            nextOffset = baseOffset + lastDelta + 1;
            pos += length + RecordBatchHeader.LogOverhead;
        }
        return new AppendSummary(first, nextOffset - 1, maxTimestamp, offsetOfMax, newEpoch);
    }

    /// <summary>Starts a new active segment at the log end offset (or at a follower's first offset past a gap).</summary>
    public void Roll()
    {
        lock (_lock)
        {
            ThrowIfOffline();
            if (!ActiveSegment.IsEmpty)
                RollLocked(_logEndOffset);
        }
    }

    private LogSegment RollLocked(long baseOffset)
    {
        var old = ActiveSegment;
        if (old.IsEmpty)
        {
            // An empty active segment at another base offset (a follower jumping a gap) is replaced, not kept.
            if (old.BaseOffset == baseOffset)
                return old;
            RemoveSegmentsLocked([old], "replaced by a roll");
        }
        else
        {
            old.OnBecomeInactive();
            _pendingFlush.Add(old);
        }
        LogSegment segment;
        try
        {
            segment = LogSegment.Create(_env.FileSystem, Directory, baseOffset, Config, _env.NowMs);
        }
        catch (IOException e)
        {
            throw StorageException.FromIo($"Roll of {TopicPartition} at {baseOffset}", e);
        }
        _directoryDirty = true;
        Volatile.Write(ref _segments, [.. _segments, segment]);
        // Kafka's roll takes a producer snapshot at the new segment's base offset: a later load replays from there.
        _producers.MapEndOffset = baseOffset;
        TakeProducerSnapshotLocked(sync: false);
        return segment;
    }

    private void ThrowIfOffline()
    {
        if (_offline)
            throw new StorageException(StorageErrorKind.Offline, $"{TopicPartition} is offline: {_offlineReason}");
    }

    /// <summary>Refuses further appends: after a failed fsync the page cache may have dropped data we cannot know about.</summary>
    private void GoOffline(string reason, Exception e)
    {
        _offlineReason = reason;
        _offline = true;
        _env.Log(StorageLogLevel.Error, $"{TopicPartition} taken offline: {reason}: {e.Message}");
    }

    public override string ToString() => $"{TopicPartition} [{LogStartOffset}, {LogEndOffset})";
}
