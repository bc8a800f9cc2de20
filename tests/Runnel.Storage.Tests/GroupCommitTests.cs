namespace Runnel.Storage.Tests;

public sealed class GroupCommitTests
{
    [Fact]
    public async Task Every_acknowledged_append_survives_a_crash_across_partitions()
    {
        using var h = new LogHarness(durability: DurabilityMode.GroupCommit);
        var partitions = Enumerable.Range(0, 4).Select(p => h.Manager.GetOrCreateLog(new TopicPartition("gc", p))).ToArray();
        var acked = new long[partitions.Length];
        var appenders = Enumerable.Range(0, 8).Select(a => Task.Run(async () =>
        {
            var log = partitions[a % partitions.Length];
            for (var i = 0; i < 50; i++)
            {
                LogAppendInfo info;
                lock (log)
                    info = log.Append(TestBatch.Build(2, 1000, 20));
                await log.WaitForDurableAsync(info.LastOffset + 1);
                lock (acked)
                    acked[a % partitions.Length] = Math.Max(acked[a % partitions.Length], info.LastOffset + 1);
            }
        })).ToArray();
        await Task.WhenAll(appenders).WaitAsync(TimeSpan.FromSeconds(30));
        var committer = h.Manager.GroupCommitter!;
        // One fsync round serves many appends: far fewer rounds than the 400 acknowledged appends.
        Assert.True(committer.Rounds < 400, $"{committer.Rounds} rounds");
        h.CrashAndRestart();
        for (var p = 0; p < partitions.Length; p++)
        {
            var log = h.Manager.GetLog(new TopicPartition("gc", p))!;
            Assert.True(log.LogEndOffset >= acked[p], $"partition {p}: end {log.LogEndOffset} < acknowledged {acked[p]}");
            Assert.Equal(200, log.LogEndOffset);
        }
    }

    [Fact]
    public async Task A_durable_wait_on_flushed_data_completes_at_once()
    {
        using var h = new LogHarness(durability: DurabilityMode.GroupCommit);
        var info = h.Append();
        await h.Log.WaitForDurableAsync(info.LastOffset + 1);
        var rounds = h.Manager.GroupCommitter!.Rounds;
        Assert.True(h.Log.WaitForDurableAsync(info.LastOffset + 1).IsCompletedSuccessfully);
        Assert.Equal(rounds, h.Manager.GroupCommitter.Rounds);
    }
}
