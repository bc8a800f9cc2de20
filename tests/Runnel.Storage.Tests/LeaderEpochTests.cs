using Runnel.Protocol.Records;
using Runnel.Storage.Epochs;

namespace Runnel.Storage.Tests;

/// <summary>
/// The leader epoch cache as Kafka's LeaderEpochFileCache behaves, and kept in step with the log: appends record new
/// epochs, truncation and a higher log start trim it, and it survives restarts (rebuilt from the batches when its
/// checkpoint is gone).
/// </summary>
public sealed class LeaderEpochTests
{
    [Fact]
    public void Assign_keeps_epochs_and_offsets_strictly_rising()
    {
        var cache = new LeaderEpochCache(null, []);
        Assert.True(cache.Assign(0, 0));
        Assert.False(cache.Assign(0, 10));
        Assert.True(cache.Assign(2, 10));
        Assert.True(cache.Assign(3, 20));
        // An older epoch at a later offset replaces what it contradicts (Kafka's assign drops conflicting entries).
        Assert.True(cache.Assign(1, 15));
        Assert.Equal([new EpochEntry(0, 0), new EpochEntry(1, 15)], cache.Snapshot);
        Assert.False(cache.Assign(-1, 30));
    }

    [Fact]
    public void End_offsets_answer_as_kafka_does()
    {
        var cache = new LeaderEpochCache(null, [new EpochEntry(1, 0), new EpochEntry(3, 100), new EpochEntry(5, 200)]);
        Assert.Equal((5, 250L), cache.EndOffsetFor(5, logEndOffset: 250));
        Assert.Equal((3, 200L), cache.EndOffsetFor(3, 250));
        Assert.Equal((3, 200L), cache.EndOffsetFor(4, 250));
        Assert.Equal((1, 100L), cache.EndOffsetFor(2, 250));
        Assert.Equal((0, 0L), cache.EndOffsetFor(0, 250));
        Assert.Equal((-1, -1L), cache.EndOffsetFor(6, 250));
        Assert.Equal((-1, -1L), cache.EndOffsetFor(-1, 250));
    }

    [Fact]
    public void Truncation_from_either_end()
    {
        var cache = new LeaderEpochCache(null, [new EpochEntry(1, 0), new EpochEntry(3, 100), new EpochEntry(5, 200)]);
        cache.TruncateFromEnd(150);
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(3, 100)], cache.Snapshot);
        cache.TruncateFromStart(120);
        Assert.Equal([new EpochEntry(3, 120)], cache.Snapshot);
        cache.TruncateFromEnd(120);
        Assert.Empty(cache.Snapshot);
    }

    [Fact]
    public void The_log_records_epochs_from_its_batches_and_keeps_them_across_restarts()
    {
        using var harness = new LogHarness();
        harness.Log.Append(Batch(epoch: 0, records: 3));
        harness.Log.Append(Batch(epoch: 0, records: 3));
        harness.Log.Append(Batch(epoch: 4, records: 3));
        Assert.Equal([new EpochEntry(0, 0), new EpochEntry(4, 6)], harness.Log.LeaderEpochs.Snapshot);
        harness.Restart();
        Assert.Equal([new EpochEntry(0, 0), new EpochEntry(4, 6)], harness.Log.LeaderEpochs.Snapshot);

        // Truncation below the newest epoch's start removes it, on disk too.
        harness.Log.TruncateTo(6);
        Assert.Equal([new EpochEntry(0, 0)], harness.Log.LeaderEpochs.Snapshot);
        harness.CrashAndRestart();
        Assert.Equal([new EpochEntry(0, 0)], harness.Log.LeaderEpochs.Snapshot);
    }

    [Fact]
    public void Truncation_to_the_log_end_drops_an_epoch_that_starts_there()
    {
        // This replica led epoch 4 from offset 6 and appended nothing before losing leadership: as a follower it
        // truncates to the leader's end of epoch 0, which is its own log end, and must then stop naming epoch 4.
        using var harness = new LogHarness();
        harness.Log.Append(Batch(epoch: 0, records: 6));
        harness.Log.AssignLeaderEpoch(4, 6);
        Assert.Equal([new EpochEntry(0, 0), new EpochEntry(4, 6)], harness.Log.LeaderEpochs.Snapshot);

        harness.Log.TruncateTo(6);
        Assert.Equal(6, harness.Log.LogEndOffset);
        Assert.Equal([new EpochEntry(0, 0)], harness.Log.LeaderEpochs.Snapshot);
        harness.Restart();
        Assert.Equal([new EpochEntry(0, 0)], harness.Log.LeaderEpochs.Snapshot);
    }

    [Fact]
    public void A_lost_checkpoint_is_rebuilt_from_the_batches()
    {
        using var harness = new LogHarness();
        for (var epoch = 0; epoch < 5; epoch++)
            harness.Log.Append(Batch(epoch * 2, records: 20));
        var expected = harness.Log.LeaderEpochs.Snapshot.ToList();
        Assert.Equal(5, expected.Count);
        Assert.True(harness.Log.SegmentCount > 1);
        harness.Manager.Dispose();
        harness.Fs.DeleteFile($"{LogHarness.PartitionDir}/{LeaderEpochCheckpointFile.FileName}");
        harness.Reopen();
        Assert.Equal(expected, harness.Log.LeaderEpochs.Snapshot);
        Assert.True(harness.Fs.FileExists($"{LogHarness.PartitionDir}/{LeaderEpochCheckpointFile.FileName}"));
    }

    [Fact]
    public void A_higher_log_start_trims_the_front()
    {
        using var harness = new LogHarness();
        harness.Log.Append(Batch(epoch: 1, records: 5));
        harness.Log.Append(Batch(epoch: 2, records: 5));
        harness.Log.AdvanceLogStartOffset(3);
        Assert.Equal([new EpochEntry(1, 3), new EpochEntry(2, 5)], harness.Log.LeaderEpochs.Snapshot);
        harness.Log.TruncateFullyAndStartAt(50);
        Assert.Empty(harness.Log.LeaderEpochs.Snapshot);
    }

    private static byte[] Batch(int epoch, int records)
    {
        var batch = TestBatch.Build(records, 1_000, valueBytes: 100);
        RecordBatch.SetPartitionLeaderEpoch(batch, epoch);
        return batch;
    }
}
