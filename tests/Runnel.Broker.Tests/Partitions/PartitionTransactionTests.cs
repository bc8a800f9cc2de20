using Runnel.Broker.Partitions;
using Runnel.Protocol;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage.Transactions;

namespace Runnel.Broker.Tests.Partitions;

/// <summary>
/// Transactions on one partition, as Kafka's ProducerStateManager and UnifiedLog keep them: transactional batches open
/// a transaction, markers end it, the last stable offset stays at the oldest undecided (or unreplicated) transaction,
/// read_committed reads stop there and list the aborted transactions, and the producer checks refuse stale writers.
/// </summary>
public sealed class PartitionTransactionTests
{
    private const long P1 = 1000, P2 = 2000;
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static byte[] TxnBatch(long producerId, short epoch, int sequence, int records, bool transactional = true)
    {
        using var writer = new KafkaWriter();
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, new RecordBatchSettings { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = sequence, IsTransactional = transactional });
        for (var i = 0; i < records; i++)
            builder.Append(1_000 + i, new byte[] { (byte)i }, new byte[8]);
        builder.Finish();
        return writer.WrittenSpan.ToArray();
    }

    private static AppendOutcome Produce(Partition partition, byte[] batch)
    {
        var result = RecordBatchValidator.Validate(batch, new RecordBatchValidationOptions(), out var info);
        Assert.True(result.IsValid, result.Message);
        return partition.AppendAsLeader(batch, info, -1);
    }

    private static PartitionHarness Leader(int[]? replicas = null)
    {
        var h = new PartitionHarness();
        replicas ??= [1];
        h.Partition.Apply(PartitionHarness.Assignment(1, 0, replicas, replicas));
        return h;
    }

    [Fact]
    public void An_open_transaction_holds_the_last_stable_offset_until_its_commit()
    {
        using var h = Leader();
        Assert.True(h.Produce(records: 2).Succeeded); // 0-1, plain
        Assert.True(Produce(h.Partition, TxnBatch(P1, 0, 0, 3)).Succeeded); // 2-4
        Assert.Equal(5, h.Partition.HighWatermark);
        Assert.Equal(2, h.Partition.LastStableOffset);

        var committed = h.Partition.ReadForConsumer(0, 1 << 20, readCommitted: true, minOneBatch: true, currentLeaderEpoch: -1);
        using (committed.Records)
        {
            Assert.Equal(2, committed.Records!.NextOffset); // only the plain batch, below the LSO
            Assert.Equal(2, committed.LastStableOffset);
            Assert.Empty(committed.AbortedTransactions!);
        }
        var uncommitted = h.Partition.ReadForConsumer(2, 1 << 20, readCommitted: false, minOneBatch: true, currentLeaderEpoch: -1);
        using (uncommitted.Records)
        {
            Assert.Equal(5, uncommitted.Records!.NextOffset);
            Assert.Null(uncommitted.AbortedTransactions);
        }

        var marker = h.Partition.AppendMarker(P1, 0, coordinatorEpoch: 0, commit: true);
        Assert.True(marker.Succeeded);
        Assert.Equal(5, marker.FirstOffset);
        Assert.Equal(6, h.Partition.LastStableOffset);
        Assert.Equal(-1, h.Partition.Log.OpenTransactionStart(P1));
        Assert.Empty(h.Partition.Log.CollectAbortedTransactions(0, 6));
    }

    [Fact]
    public void An_abort_is_indexed_with_the_last_stable_offset_of_its_moment_and_listed_to_read_committed()
    {
        using var h = Leader();
        Produce(h.Partition, TxnBatch(P1, 0, 0, 3)); // 0-2
        Produce(h.Partition, TxnBatch(P2, 0, 0, 2)); // 3-4
        Assert.True(h.Partition.AppendMarker(P1, 0, 0, commit: false).Succeeded); // 5
        Assert.Equal(3, h.Partition.LastStableOffset); // P2 still open
        Assert.Equal([new AbortedTransaction(P1, 0, 5, 3)], h.Partition.Log.CollectAbortedTransactions(0, 6));
        Assert.True(h.Partition.AppendMarker(P2, 0, 0, commit: true).Succeeded); // 6
        Assert.Equal(7, h.Partition.LastStableOffset);

        var read = h.Partition.ReadForConsumer(0, 1 << 20, readCommitted: true, minOneBatch: true, currentLeaderEpoch: -1);
        using (read.Records)
        {
            Assert.Equal(7, read.LastStableOffset);
            Assert.Equal([new AbortedTransaction(P1, 0, 5, 3)], read.AbortedTransactions);
        }
        // A fetch past the aborted transaction does not see it.
        var later = h.Partition.ReadForConsumer(6, 1 << 20, readCommitted: true, minOneBatch: true, currentLeaderEpoch: -1);
        using (later.Records)
            Assert.Empty(later.AbortedTransactions!);
    }

    [Fact]
    public void A_marker_from_an_older_coordinator_epoch_or_producer_epoch_is_refused_and_writes_nothing()
    {
        using var h = Leader();
        Produce(h.Partition, TxnBatch(P1, 3, 0, 2));
        Assert.True(h.Partition.AppendMarker(P1, 3, coordinatorEpoch: 5, commit: true).Succeeded);
        Produce(h.Partition, TxnBatch(P1, 3, 2, 2));
        var end = h.Partition.LogEndOffset;

        var fenced = h.Partition.AppendMarker(P1, 3, coordinatorEpoch: 4, commit: true);
        Assert.Equal(ErrorCode.TransactionCoordinatorFenced, fenced.Error);
        var stale = h.Partition.AppendMarker(P1, 2, coordinatorEpoch: 5, commit: false);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, stale.Error);
        Assert.Equal(end, h.Partition.LogEndOffset);
        Assert.Equal(3, h.Partition.Log.OpenTransactionStart(P1));
        Assert.True(h.Partition.AppendMarker(P1, 3, coordinatorEpoch: 5, commit: false).Succeeded);
    }

    [Fact]
    public void A_transactional_batch_with_an_old_epoch_and_a_plain_batch_inside_a_transaction_are_refused()
    {
        using var h = Leader();
        Assert.True(Produce(h.Partition, TxnBatch(P1, 1, 0, 2)).Succeeded);
        var end = h.Partition.LogEndOffset;
        Assert.Equal(ErrorCode.InvalidProducerEpoch, Produce(h.Partition, TxnBatch(P1, 0, 0, 2)).Error);
        Assert.Equal(ErrorCode.InvalidTxnState, Produce(h.Partition, TxnBatch(P1, 1, 2, 2, transactional: false)).Error);
        Assert.Equal(end, h.Partition.LogEndOffset);
        Assert.Equal(0, h.Partition.LastStableOffset);
    }

    [Fact]
    public void A_decided_transaction_stays_unstable_until_its_marker_is_replicated()
    {
        using var h = Leader([1, 2]);
        Produce(h.Partition, TxnBatch(P1, 0, 0, 3)); // 0-2
        h.Partition.UpdateFollowerFetchState(2, -1, 3);
        Assert.Equal(3, h.Partition.HighWatermark);
        Assert.True(h.Partition.AppendMarker(P1, 0, 0, commit: true).Succeeded); // 3
        Assert.Equal(0, h.Partition.LastStableOffset);
        h.Partition.UpdateFollowerFetchState(2, -1, 4);
        Assert.Equal(4, h.Partition.LastStableOffset);
    }

    [Fact]
    public void The_group_coordinators_transactional_batches_open_a_transaction_that_a_marker_ends()
    {
        using var h = Leader();
        var batch = TxnBatch(P1, 2, -1, 1);
        Assert.True(h.Partition.AppendInternal(batch).Succeeded);
        Assert.Equal(0, h.Partition.LastStableOffset);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, h.Partition.AppendInternal(TxnBatch(P1, 1, -1, 1)).Error);
        Assert.True(h.Partition.AppendMarker(P1, 2, 0, commit: true).Succeeded);
        Assert.Equal(2, h.Partition.LastStableOffset);
    }

    [Fact]
    public void A_follower_builds_the_same_transaction_state_from_replicated_batches_and_can_lead_with_it()
    {
        using var leader = Leader([1]);
        Produce(leader.Partition, TxnBatch(P1, 0, 0, 3));
        Produce(leader.Partition, TxnBatch(P2, 0, 0, 2));
        leader.Partition.AppendMarker(P1, 0, coordinatorEpoch: 7, commit: false);
        // The batches as a follower fetches them (the clock makes every append roll a segment: read them one by one).
        var bytes = new List<byte>();
        for (var offset = 0L; offset < leader.Partition.LogEndOffset;)
        {
            using var read = leader.Partition.Log.Read(offset, 1 << 20);
            using var memory = read.ToPooledMemory();
            bytes.AddRange(memory.Memory.Span[..read.Length].ToArray());
            offset = read.NextOffset;
        }

        using var follower = new PartitionHarness();
        follower.Partition.Apply(PartitionHarness.Assignment(2, 0, [1, 2], [1, 2]));
        Assert.True(follower.Partition.AppendAsFollower(bytes.ToArray(), leaderHighWatermark: 6, leaderEpoch: 0));
        Assert.Equal((6L, 6L), (follower.Partition.LogEndOffset, follower.Partition.HighWatermark));
        Assert.Equal(3, follower.Partition.LastStableOffset);
        Assert.Equal(3, follower.Partition.Log.OpenTransactionStart(P2));
        Assert.Equal([new AbortedTransaction(P1, 0, 5, 3)], follower.Partition.Log.CollectAbortedTransactions(0, 6));

        follower.Partition.Apply(PartitionHarness.Assignment(1, 1, [1, 2], [1]));
        Assert.Equal(ErrorCode.TransactionCoordinatorFenced, follower.Partition.AppendMarker(P1, 0, coordinatorEpoch: 6, commit: true).Error);
        Assert.True(follower.Partition.AppendMarker(P2, 0, coordinatorEpoch: 7, commit: true).Succeeded);
        Assert.Equal(7, follower.Partition.LastStableOffset);
    }

    [Fact]
    public async Task A_read_committed_delayed_fetch_waits_for_the_last_stable_offset_not_the_high_watermark()
    {
        using var h = Leader([1, 2]);
        using var committed = new DelayedFetch(minBytes: 1, alreadyRead: 0);
        committed.Add(h.Partition, from: 0, FetchBound.LastStable);
        committed.Start();
        using var uncommitted = new DelayedFetch(minBytes: 1, alreadyRead: 0);
        uncommitted.Add(h.Partition, from: 0, FetchBound.HighWatermark);
        uncommitted.Start();

        Produce(h.Partition, TxnBatch(P1, 0, 0, 3)); // 0-2
        h.Partition.UpdateFollowerFetchState(2, -1, 3);
        Assert.Equal((3L, 0L), (h.Partition.HighWatermark, h.Partition.LastStableOffset));
        await uncommitted.Completion.WaitAsync(Long);
        Assert.False(committed.Completion.IsCompleted); // the high watermark moved over an open transaction: nothing to read yet

        Assert.True(h.Partition.AppendMarker(P1, 0, 0, commit: true).Succeeded); // 3, not yet replicated
        Assert.False(committed.Completion.IsCompleted);
        h.Partition.UpdateFollowerFetchState(2, -1, 4);
        Assert.Equal(4, h.Partition.LastStableOffset);
        await committed.Completion.WaitAsync(Long);
    }

    [Fact]
    public async Task A_marker_that_moves_the_last_stable_offset_wakes_a_read_committed_delayed_fetch()
    {
        using var h = Leader();
        Produce(h.Partition, TxnBatch(P1, 0, 0, 3)); // 0-2, replicated at once: the high watermark is 3
        using var committed = new DelayedFetch(minBytes: 1, alreadyRead: 0);
        committed.Add(h.Partition, from: 0, FetchBound.LastStable);
        committed.Start();
        Assert.False(committed.Completion.IsCompleted);
        Assert.True(h.Partition.AppendMarker(P1, 0, 0, commit: false).Succeeded);
        await committed.Completion.WaitAsync(Long);
        Assert.Equal(4, h.Partition.LastStableOffset);
    }
}
