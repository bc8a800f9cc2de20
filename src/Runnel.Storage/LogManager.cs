using System.Collections.Concurrent;
using Runnel.Storage.Checkpoints;

namespace Runnel.Storage;

/// <summary>
/// All partition logs of a broker, under one or more log dirs. Each log dir holds Kafka's bookkeeping files:
/// <c>recovery-point-offset-checkpoint</c>, <c>log-start-offset-checkpoint</c> and the <c>.kafka_cleanshutdown</c>
/// marker, which is removed at start (before any append) and written only after every log closed cleanly.
/// Partition directories are named only from validated <see cref="TopicPartition"/>s, so no path leaves log.dirs.
/// </summary>
public sealed partial class LogManager : IDisposable
{
    public const string CleanShutdownFile = ".kafka_cleanshutdown";
    public const string RecoveryPointFile = "recovery-point-offset-checkpoint";
    public const string LogStartOffsetFile = "log-start-offset-checkpoint";
    public const string HighWatermarkFile = "replication-offset-checkpoint";

    private readonly LogManagerOptions _options;
    private readonly LogEnvironment _env;
    private readonly ConcurrentDictionary<TopicPartition, (PartitionLog Log, LogDir Dir)> _logs = new();
    private readonly List<LogDir> _dirs = [];
    private readonly object _createLock = new();
    private bool _closed;

    private sealed class LogDir(string path, LogEnvironment env)
    {
        public string Path { get; } = path;
        public object CheckpointLock { get; } = new();
        public OffsetCheckpointFile RecoveryPoints { get; } = new(env.FileSystem, System.IO.Path.Combine(path, RecoveryPointFile), env.Log);
        public OffsetCheckpointFile LogStartOffsets { get; } = new(env.FileSystem, System.IO.Path.Combine(path, LogStartOffsetFile), env.Log);
        public OffsetCheckpointFile HighWatermarks { get; } = new(env.FileSystem, System.IO.Path.Combine(path, HighWatermarkFile), env.Log);
        public int PartitionCount;
    }

    private LogManager(LogManagerOptions options)
    {
        _options = options;
        var committer = options.Durability == DurabilityMode.GroupCommit ? new GroupCommitter(options.Log) : null;
        _env = new LogEnvironment(options.FileSystem, options.Time, options.Log ?? ((_, _) => { }), committer);
        Cleaner = new Compaction.LogCleaner(_env);
    }

    /// <summary>Compaction for logs whose cleanup.policy includes compact; see <see cref="Compact"/>.</summary>
    public Compaction.LogCleaner Cleaner { get; }

    public DurabilityMode Durability => _options.Durability;

    /// <summary>The group committer (GroupCommit mode), for metrics; null in PageCache mode.</summary>
    public GroupCommitter? GroupCommitter => _env.Committer;

    public IReadOnlyCollection<PartitionLog> Logs => [.. _logs.Values.Select(v => v.Log)];

    /// <summary>Opens every log dir, recovering each partition found in it (see <see cref="PartitionLog"/> recovery).</summary>
    public static LogManager Open(LogManagerOptions options)
    {
        if (options.LogDirs.Count == 0)
            throw new ArgumentException("At least one log dir is required.", nameof(options));
        var manager = new LogManager(options);
        try
        {
            foreach (var path in options.LogDirs)
                manager.OpenDir(Path.GetFullPath(path));
        }
        catch
        {
            manager.Dispose();
            throw;
        }
        return manager;
    }

    private void OpenDir(string path)
    {
        var fs = _env.FileSystem;
        fs.CreateDirectory(path);
        var dir = new LogDir(path, _env);
        _dirs.Add(dir);
        var marker = Path.Combine(path, CleanShutdownFile);
        var clean = fs.FileExists(marker);
        var recoveryPoints = dir.RecoveryPoints.Read();
        var startOffsets = dir.LogStartOffsets.Read();
        var highWatermarks = dir.HighWatermarks.Read();
        foreach (var child in fs.ListDirectories(path))
        {
            if (!TopicPartition.TryParseDirectoryName(Path.GetFileName(child), out var tp))
                continue;
            var state = new LogLoadState(clean, recoveryPoints.GetValueOrDefault(tp, 0), startOffsets.GetValueOrDefault(tp, 0), highWatermarks.GetValueOrDefault(tp, 0));
            var log = PartitionLog.Open(tp, child, ConfigFor(tp.Topic), state, _env);
            Register(tp, log, dir);
        }
        // From here on a crash is unclean: the marker must be gone before the first append.
        if (clean)
        {
            fs.DeleteFile(marker);
            fs.SyncDirectory(path);
        }
        WriteCheckpoints(dir);
    }

    private LogConfig ConfigFor(string topic) => _options.TopicConfig?.Invoke(topic) ?? _options.DefaultConfig;

    private void Register(TopicPartition tp, PartitionLog log, LogDir dir)
    {
        log.CheckpointNeeded = _ =>
        {
            try
            {
                WriteCheckpoints(dir);
            }
            catch (IOException e)
            {
                throw StorageException.FromIo($"Checkpoint of {dir.Path}", e);
            }
        };
        _logs[tp] = (log, dir);
        Interlocked.Increment(ref dir.PartitionCount);
    }

    public PartitionLog? GetLog(TopicPartition tp) => _logs.TryGetValue(tp, out var entry) ? entry.Log : null;

    /// <summary>The partition's log, created empty (in the log dir with the fewest partitions) when it does not exist.</summary>
    public PartitionLog GetOrCreateLog(TopicPartition tp, LogConfig? config = null)
    {
        if (_logs.TryGetValue(tp, out var existing))
            return existing.Log;
        lock (_createLock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_logs.TryGetValue(tp, out existing))
                return existing.Log;
            var dir = _dirs.MinBy(d => d.PartitionCount)!;
            var path = Path.Combine(dir.Path, tp.DirectoryName);
            if (Path.GetDirectoryName(path) != dir.Path)
                throw new ArgumentException($"Partition directory {path} would leave the log dir {dir.Path}.");
            var log = PartitionLog.Open(tp, path, config ?? ConfigFor(tp.Topic), new LogLoadState(false, 0, 0), _env);
            // The partition's directory must survive a crash before anything in it can.
            _env.FileSystem.SyncDirectory(dir.Path);
            Register(tp, log, dir);
            return log;
        }
    }

    /// <summary>Closes a partition's log and deletes its directory.</summary>
    public void DeleteLog(TopicPartition tp)
    {
        lock (_createLock)
        {
            if (!_logs.TryRemove(tp, out var entry))
                return;
            Interlocked.Decrement(ref entry.Dir.PartitionCount);
            entry.Log.CloseAndDelete();
            WriteCheckpoints(entry.Dir);
        }
    }

    /// <summary>
    /// DeleteRecords: advances the partition's log start offset and persists it before returning. The broker caps
    /// <paramref name="offset"/> at the high watermark (and maps -1 to it).
    /// </summary>
    public long DeleteRecords(TopicPartition tp, long offset)
    {
        var log = GetLog(tp) ?? throw new KeyNotFoundException($"No log for {tp}.");
        return log.AdvanceLogStartOffset(offset);
    }

    private void WriteCheckpoints(LogDir dir)
    {
        lock (dir.CheckpointLock)
        {
            var logs = _logs.Where(kv => kv.Value.Dir == dir).Select(kv => kv.Value.Log).ToList();
            dir.RecoveryPoints.Write(logs.Select(l => KeyValuePair.Create(l.TopicPartition, l.RecoveryPoint)));
            dir.LogStartOffsets.Write(logs.Select(l => KeyValuePair.Create(l.TopicPartition, l.LogStartOffset)));
            dir.HighWatermarks.Write(logs.Select(l => KeyValuePair.Create(l.TopicPartition, l.HighWatermark)));
        }
    }
}
