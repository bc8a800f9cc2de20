using Runnel.Storage;
using Runnel.Storage.IO;

namespace Runnel.Raft.Log;

/// <summary>
/// The replicated log on disk: the <c>__cluster_metadata-0</c> partition log from Runnel.Storage (segments, indexes,
/// recovery of torn tails) under <c>&lt;dir&gt;/</c>, plus snapshot files <c>&lt;dir&gt;/snapshots/
/// &lt;endOffset&gt;-&lt;epoch&gt;.checkpoint</c> (Kafka's naming), each written to a temp file, fsynced and renamed. The
/// leader-epoch cache is rebuilt from the batches when the log opens (the metadata log is small: snapshots cut it).
/// </summary>
public sealed partial class FileRaftLog : IRaftLog, IDisposable
{
    public static readonly TopicPartition Partition = new("__cluster_metadata", 0);

    private readonly LogManager _manager;
    private readonly PartitionLog _log;
    private readonly IFileSystem _fs;
    private readonly string _snapshotDir;
    private readonly EpochCache _epochs = new();
    private readonly List<OffsetAndEpoch> _snapshots = [];

    private FileRaftLog(LogManager manager, IFileSystem fs, string directory)
    {
        _manager = manager;
        _fs = fs;
        _log = manager.GetOrCreateLog(Partition);
        _snapshotDir = Path.Combine(directory, "snapshots");
    }

    /// <summary>Opens (recovering) the log under <paramref name="directory"/>, creating it when absent.</summary>
    public static FileRaftLog Open(string directory, IFileSystem? fileSystem = null, StorageLog? storageLog = null)
    {
        var fs = fileSystem ?? PhysicalFileSystem.Instance;
        fs.CreateDirectory(directory);
        var manager = LogManager.Open(new LogManagerOptions
        {
            LogDirs = [directory],
            // Retention never runs here: only snapshots shorten this log. Segments stay small so they go soon after.
            DefaultConfig = LogConfig.Default with { SegmentBytes = 8 * 1024 * 1024, SegmentMs = long.MaxValue, RetentionMs = -1, RetentionBytes = -1 },
            Durability = DurabilityMode.PageCache,
            FileSystem = fs,
            Log = storageLog,
        });
        var log = new FileRaftLog(manager, fs, directory);
        try
        {
            log.LoadSnapshots();
            log.RebuildEpochs();
        }
        catch
        {
            log.Dispose();
            throw;
        }
        return log;
    }

    public long StartOffset => _log.LogStartOffset;

    public int StartEpoch => StartOffset == 0 ? 0 : _snapshots.Find(s => s.Offset == StartOffset).Epoch;

    public long EndOffset => _log.LogEndOffset;

    public long FlushedOffset => _log.RecoveryPoint;

    public int LastEpoch => _epochs.Count > 0 ? _epochs.LastEpoch : LatestSnapshot?.Epoch ?? 0;

    public OffsetAndEpoch? LatestSnapshot => _snapshots.Count == 0 ? null : _snapshots[^1];

    public OffsetAndEpoch EndOffsetForEpoch(int epoch)
        => _epochs.EndOffsetFor(epoch, EndOffset, StartOffset == 0 ? null : new OffsetAndEpoch(StartOffset, StartEpoch));

    public void Append(ReadOnlySpan<byte> batches)
    {
        var infos = BatchHeaders.Walk(batches);
        var next = EndOffset;
        foreach (var info in infos)
        {
            if (info.BaseOffset != next)
                throw new InvalidOperationException($"Batch at {info.BaseOffset} does not continue the log at {next}.");
            next = info.LastOffset + 1;
        }
        _log.AppendAsFollower(batches.ToArray());
        foreach (var info in infos)
            _epochs.Assign(info.Epoch, info.BaseOffset);
    }

    public byte[] Read(long offset, int maxBytes)
    {
        // A storage read stays within one segment; go on into the next ones until the limit.
        var parts = new List<byte[]>();
        var total = 0;
        while (offset >= StartOffset && offset < EndOffset && (total == 0 || total < maxBytes))
        {
            using var result = _log.Read(offset, total == 0 ? maxBytes : maxBytes - total, minOneBatch: total == 0);
            if (result.IsEmpty)
                break;
            var bytes = new byte[result.Length];
            result.CopyTo(bytes);
            parts.Add(bytes);
            total += bytes.Length;
            offset = BatchHeaders.Walk(bytes)[^1].LastOffset + 1;
        }
        return parts.Count == 1 ? parts[0] : [.. parts.SelectMany(p => p)];
    }

    public void TruncateTo(long offset)
    {
        _log.TruncateTo(Math.Max(offset, StartOffset));
        _epochs.TruncateFrom(EndOffset);
    }

    public void Flush() => _log.Flush();

    /// <summary>Flushes and closes; the next open finds a clean shutdown.</summary>
    public void Dispose() => _manager.Dispose();

    private void RebuildEpochs()
    {
        _epochs.Clear();
        for (var offset = StartOffset; offset < EndOffset;)
        {
            var bytes = Read(offset, 1 << 20);
            if (bytes.Length == 0)
                break;
            foreach (var info in BatchHeaders.Walk(bytes))
            {
                _epochs.Assign(info.Epoch, info.BaseOffset);
                offset = info.LastOffset + 1;
            }
        }
        _epochs.TrimBefore(StartOffset);
    }
}
