using Runnel.Raft.Log;
using Runnel.Storage.IO;

namespace Runnel.Raft.Tests.Log;

/// <summary>The same contract for both logs: the simulation's memory log must behave as the file log does.</summary>
public abstract class RaftLogContract
{
    protected abstract IRaftLog Create();

    /// <summary>Power loss, then a restart on what survived.</summary>
    protected abstract IRaftLog CrashAndReopen(IRaftLog log);

    private static void Append(IRaftLog log, int epoch, int records)
        => log.Append(RaftBatches.Data(log.EndOffset, epoch, 0, [.. Enumerable.Range(0, records).Select(i => (ReadOnlyMemory<byte>)new byte[] { (byte)i })]));

    [Fact]
    public void A_crash_forgets_unflushed_appends()
    {
        var log = Create();
        Append(log, 1, 3);
        log.Flush();
        Append(log, 2, 2);
        Assert.Equal(5, log.EndOffset);
        Assert.Equal(3, log.FlushedOffset);
        log = CrashAndReopen(log);
        Assert.Equal(3, log.EndOffset);
        Assert.Equal(1, log.LastEpoch);
        Assert.Equal(new OffsetAndEpoch(3, 1), log.EndOffsetForEpoch(2));
    }

    [Fact]
    public void Truncation_cuts_whole_batches_and_their_epochs()
    {
        var log = Create();
        Append(log, 1, 2);
        Append(log, 2, 2);
        Append(log, 3, 2);
        log.TruncateTo(4);
        log.Flush();
        Assert.Equal(4, log.EndOffset);
        Assert.Equal(2, log.LastEpoch);
        Assert.Equal(new OffsetAndEpoch(4, 2), log.EndOffsetForEpoch(5));
        log = CrashAndReopen(log);
        Assert.Equal(4, log.EndOffset);
    }

    [Fact]
    public void Reads_return_whole_batches_up_to_the_limit_but_always_one()
    {
        var log = Create();
        Append(log, 1, 2);
        Append(log, 2, 2);
        Assert.Equal(0, Assert.Single(BatchHeaders.Walk(log.Read(0, 1))).BaseOffset);
        Assert.Equal(2, BatchHeaders.Walk(log.Read(0, 1 << 20)).Count);
        Assert.Equal(2, Assert.Single(BatchHeaders.Walk(log.Read(2, 1 << 20))).BaseOffset);
        Assert.Empty(log.Read(4, 100));
    }

    [Fact]
    public void Snapshots_keep_the_log_from_the_oldest_retained_one()
    {
        var log = Create();
        for (var i = 0; i < 6; i++)
        {
            Append(log, 1, 2);
            log.Flush();
            log.WriteSnapshot(new OffsetAndEpoch(log.EndOffset, 1), [(byte)i, 7]);
        }
        Assert.Equal(new OffsetAndEpoch(12, 1), log.LatestSnapshot);
        Assert.Equal(12 - (MemoryRaftLog.RetainedSnapshots - 1) * 2, log.StartOffset);
        Assert.Equal(1, log.StartEpoch);
        Assert.Equal(2, log.SnapshotSize(new OffsetAndEpoch(log.StartOffset, 1)));
        Assert.Equal(-1, log.SnapshotSize(new OffsetAndEpoch(2, 1)));
        Span<byte> read = stackalloc byte[4];
        Assert.Equal(2, log.ReadSnapshot(new OffsetAndEpoch(12, 1), 0, read));
        Assert.Equal(5, read[0]);
        log = CrashAndReopen(log);
        Assert.Equal(new OffsetAndEpoch(12, 1), log.LatestSnapshot);
        Assert.Equal(8, log.StartOffset);
        Assert.Equal(12, log.EndOffset);
    }

    [Fact]
    public void An_installed_snapshot_replaces_the_log()
    {
        var log = Create();
        Append(log, 1, 5);
        log.Flush();
        log.InstallSnapshot(new OffsetAndEpoch(40, 3), [1, 2, 3]);
        Assert.Equal(40, log.StartOffset);
        Assert.Equal(40, log.EndOffset);
        Assert.Equal(3, log.LastEpoch);
        Assert.Equal(new OffsetAndEpoch(40, 3), log.EndOffsetForEpoch(3));
        log = CrashAndReopen(log);
        Assert.Equal(40, log.EndOffset);
        Assert.Equal(3, log.LastEpoch);
        Append(log, 4, 1);
        Assert.Equal(new OffsetAndEpoch(40, 3), log.EndOffsetForEpoch(3));
    }
}

public sealed class MemoryRaftLogTests : RaftLogContract
{
    protected override IRaftLog Create() => new MemoryRaftLog();

    protected override IRaftLog CrashAndReopen(IRaftLog log)
    {
        ((MemoryRaftLog)log).Crash();
        return log;
    }
}

public sealed class FileRaftLogTests : RaftLogContract
{
    private readonly FaultyFileSystem _fs = new();

    public FileRaftLogTests() => _fs.CreateDirectory("/data");

    protected override IRaftLog Create() => FileRaftLog.Open("/data/metadata", _fs);

    protected override IRaftLog CrashAndReopen(IRaftLog log)
    {
        _fs.Crash();
        return Create();
    }

    [Fact]
    public void A_clean_close_keeps_everything()
    {
        var log = (FileRaftLog)Create();
        log.Append(RaftBatches.Data(0, 1, 0, [new byte[] { 1 }]));
        log.Dispose();
        using var reopened = (FileRaftLog)Create();
        Assert.Equal(1, reopened.EndOffset);
        Assert.Equal(1, reopened.FlushedOffset);
    }
}
