using Runnel.Raft.Log;

namespace Runnel.Raft.Tests.Log;

public sealed class MemoryRaftLogTests
{
    private static void Append(MemoryRaftLog log, int epoch, int records)
        => log.Append(RaftBatches.Data(log.EndOffset, epoch, 0, [.. Enumerable.Range(0, records).Select(i => (ReadOnlyMemory<byte>)new byte[] { (byte)i })]));

    [Fact]
    public void A_crash_forgets_unflushed_appends_and_truncations()
    {
        var log = new MemoryRaftLog();
        Append(log, 1, 3);
        log.Flush();
        Append(log, 1, 2);
        Assert.Equal(5, log.EndOffset);
        log.Crash();
        Assert.Equal(3, log.EndOffset);
        log.TruncateTo(0);
        Assert.Equal(0, log.EndOffset);
        log.Crash();
        Assert.Equal(3, log.EndOffset);
        Assert.Equal(1, log.LastEpoch);
    }

    [Fact]
    public void Reads_return_whole_batches_up_to_the_limit_but_always_one()
    {
        var log = new MemoryRaftLog();
        Append(log, 1, 2);
        Append(log, 2, 2);
        var one = BatchHeaders.Walk(log.Read(1, 1));
        Assert.Equal(0, Assert.Single(one).BaseOffset);
        Assert.Equal(2, BatchHeaders.Walk(log.Read(0, 1 << 20)).Count);
        Assert.Empty(log.Read(4, 100));
    }

    [Fact]
    public void Snapshots_keep_the_log_from_the_oldest_retained_one()
    {
        var log = new MemoryRaftLog();
        for (var i = 0; i < 6; i++)
        {
            Append(log, 1, 2);
            log.WriteSnapshot(new OffsetAndEpoch(log.EndOffset, 1), [(byte)i]);
        }
        Assert.Equal(new OffsetAndEpoch(12, 1), log.LatestSnapshot);
        Assert.Equal(12 - (MemoryRaftLog.RetainedSnapshots - 1) * 2, log.StartOffset);
        Assert.Equal(1, log.StartEpoch);
        Assert.Equal(1, log.SnapshotSize(new OffsetAndEpoch(log.StartOffset, 1)));
        Assert.Equal(-1, log.SnapshotSize(new OffsetAndEpoch(2, 1)));
        log.Crash();
        Assert.Equal(new OffsetAndEpoch(12, 1), log.LatestSnapshot);
    }

    [Fact]
    public void An_installed_snapshot_replaces_the_log()
    {
        var log = new MemoryRaftLog();
        Append(log, 1, 5);
        log.InstallSnapshot(new OffsetAndEpoch(40, 3), [1, 2, 3]);
        Assert.Equal(40, log.StartOffset);
        Assert.Equal(40, log.EndOffset);
        Assert.Equal(3, log.LastEpoch);
        Assert.Equal(new OffsetAndEpoch(40, 3), log.EndOffsetForEpoch(3));
        log.Crash();
        Assert.Equal(40, log.EndOffset);
    }
}
