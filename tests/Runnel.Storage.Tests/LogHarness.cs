using System.Collections.Concurrent;
using Runnel.Storage.IO;

namespace Runnel.Storage.Tests;

/// <summary>
/// A log manager over the in-memory fault layer with a hand-moved clock: open, append, crash, reopen. The log dir is
/// "/data", a mount point that the fault layer treats as durable.
/// </summary>
internal sealed class LogHarness : IDisposable
{
    public const string LogDir = "/data";
    public static readonly TopicPartition Tp = new("events", 0);

    public LogHarness(LogConfig? config = null, DurabilityMode durability = DurabilityMode.PageCache)
    {
        Config = config ?? SmallSegments;
        Durability = durability;
        Fs.CreateDirectory(LogDir);
        Manager = OpenManager();
    }

    /// <summary>Small segments and a dense index, so a few batches exercise rolls and index lookups.</summary>
    public static LogConfig SmallSegments { get; } = LogConfig.Default with { SegmentBytes = 4096, IndexIntervalBytes = 256, RetentionMs = -1 };

    public FaultyFileSystem Fs { get; } = new();

    public Runnel.Broker.Tests.ManualTimeProvider Clock { get; } = new();

    public LogConfig Config { get; set; }

    public DurabilityMode Durability { get; }

    public LogManager Manager { get; private set; }

    public ConcurrentQueue<string> Messages { get; } = new();

    public PartitionLog Log => Manager.GetOrCreateLog(Tp, Config);

    public static string PartitionDir => $"{LogDir}/{Tp.DirectoryName}";

    private LogManager OpenManager() => LogManager.Open(new LogManagerOptions
    {
        LogDirs = [LogDir],
        DefaultConfig = Config,
        TopicConfig = _ => Config,
        Durability = Durability,
        FileSystem = Fs,
        Time = Clock,
        Log = (level, message) => Messages.Enqueue($"{level}: {message}"),
    });

    public LogAppendInfo Append(int records = 3, int valueBytes = 10) => Log.Append(TestBatch.Build(records, Clock.NowMs, valueBytes));

    /// <summary>Clean shutdown and start.</summary>
    public void Restart()
    {
        Manager.Dispose();
        Manager = OpenManager();
    }

    /// <summary>Opens a new manager after the old one was disposed (so files can be changed in between).</summary>
    public void Reopen() => Manager = OpenManager();

    /// <summary>Power loss: whatever was not fsynced is gone; the old manager is abandoned, not closed.</summary>
    public void CrashAndRestart(Random? tornWriteback = null)
    {
        Fs.Crash(tornWriteback);
        AbandonManager();
        Manager = OpenManager();
    }

    /// <summary>Stops the old manager's group-commit thread without letting it write anything more.</summary>
    private void AbandonManager() => Manager.GroupCommitter?.Dispose();

    /// <summary>Every batch of the log as (base, last), read back through the public read path.</summary>
    public List<(long Base, long Last, int Size)> ReadAll(PartitionLog? log = null)
    {
        log ??= Log;
        var batches = new List<(long, long, int)>();
        var offset = log.LogStartOffset;
        while (offset < log.LogEndOffset)
        {
            using var result = log.Read(offset, 1 << 20);
            if (result.IsEmpty)
                break;
            var bytes = new byte[result.Length];
            result.CopyTo(bytes);
            var split = TestBatch.Split(bytes);
            batches.AddRange(split);
            offset = split[^1].Last + 1;
        }
        return batches;
    }

    /// <summary>Every record of the log as (offset, key, value, timestamp; a null value is a tombstone), read back through the public path.</summary>
    public List<(long Offset, string? Key, string? Value, long Timestamp)> ReadRecords(PartitionLog? log = null)
    {
        log ??= Log;
        var records = new List<(long, string?, string?, long)>();
        var offset = log.LogStartOffset;
        while (offset < log.LogEndOffset)
        {
            using var result = log.Read(offset, 1 << 20);
            if (result.IsEmpty)
                break;
            var bytes = new byte[result.Length];
            result.CopyTo(bytes);
            for (var pos = 0; pos < bytes.Length;)
            {
                var batch = bytes.AsSpan(pos);
                Runnel.Protocol.Records.RecordBatchHeader.TryRead(batch, out var header);
                var enumerator = Runnel.Protocol.Records.RecordBatch.ReadRecords(batch[..header.TotalSize]);
                while (enumerator.MoveNext())
                {
                    var r = enumerator.Current;
                    records.Add((r.Offset, r.IsKeyNull ? null : System.Text.Encoding.UTF8.GetString(r.Key), r.IsValueNull ? null : System.Text.Encoding.UTF8.GetString(r.Value), r.Timestamp));
                }
                Assert.Equal(Runnel.Protocol.Records.RecordBatchError.None, enumerator.Error);
                pos += header.TotalSize;
            }
            offset = result.NextOffset;
        }
        return records;
    }

    public void Dispose() => Manager.Dispose();
}
