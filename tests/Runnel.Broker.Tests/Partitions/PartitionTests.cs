using Runnel.Broker.Partitions;
using Runnel.Protocol;

namespace Runnel.Broker.Tests.Partitions;

/// <summary>
/// The Partition alone, as Kafka's Partition behaves: the high watermark is what every in-sync replica has, acks=all
/// waits for it, min.insync.replicas refuses or holds back, followers' fetches acknowledge, ISR changes are proposed,
/// and leadership changes end waits and watchers.
/// </summary>
public sealed class PartitionTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_single_replica_commits_at_once()
    {
        using var h = new PartitionHarness();
        Assert.Equal(PartitionTransition.BecameLeader, h.Partition.Apply(PartitionHarness.Assignment(1, 0, [1], [1])));
        var appended = h.Produce(records: 5);
        Assert.True(appended.Succeeded);
        Assert.Equal((0, 4), (appended.FirstOffset, appended.LastOffset));
        Assert.Equal(5, h.Partition.HighWatermark);
        var acks = h.Partition.WaitForAcksAsync(appended.LastOffset, fsync: false, Long, CancellationToken.None);
        Assert.True(acks.IsCompletedSuccessfully);
        Assert.Equal(ErrorCode.None, (await acks).Error);
    }

    [Fact]
    public async Task The_high_watermark_waits_for_every_in_sync_follower_and_completes_acks_all()
    {
        using var h = new PartitionHarness();
        h.Partition.Apply(PartitionHarness.Assignment(1, 3, [1, 2, 3], [1, 2, 3]));
        var appended = h.Produce(records: 4);
        var acks = h.Partition.WaitForAcksAsync(appended.LastOffset, fsync: false, Long, CancellationToken.None);
        Assert.Equal(0, h.Partition.HighWatermark);

        // A follower's fetch offset is its log end: follower 2 has everything, 3 has nothing yet.
        Assert.Equal(ErrorCode.None, h.Partition.UpdateFollowerFetchState(2, -1, 4));
        Assert.Equal(ErrorCode.None, h.Partition.UpdateFollowerFetchState(3, -1, 0));
        Assert.Equal(0, h.Partition.HighWatermark);
        Assert.False(acks.IsCompleted);
        h.Partition.UpdateFollowerFetchState(3, -1, 4);
        Assert.Equal(4, h.Partition.HighWatermark);
        Assert.Equal(ErrorCode.None, (await acks.WaitAsync(Long)).Error);
    }

    [Fact]
    public async Task Acks_all_times_out_when_the_replicas_never_catch_up()
    {
        using var h = new PartitionHarness();
        h.Partition.Apply(PartitionHarness.Assignment(1, 0, [1, 2], [1, 2]));
        var appended = h.Produce();
        var acks = h.Partition.WaitForAcksAsync(appended.LastOffset, fsync: false, TimeSpan.FromMilliseconds(500), CancellationToken.None);
        h.Time.Advance(501);
        Assert.Equal(ErrorCode.RequestTimedOut, (await acks.WaitAsync(Long)).Error);
    }

    [Fact]
    public async Task Min_insync_replicas_refuses_acks_all_and_holds_the_high_watermark()
    {
        using var h = new PartitionHarness();
        h.Partition.MinInsyncReplicas = 2;
        h.Partition.Apply(PartitionHarness.Assignment(1, 0, [1, 2, 3], [1]));
        var refused = h.Produce(acks: -1);
        Assert.Equal(ErrorCode.NotEnoughReplicas, refused.Error);
        Assert.Equal(0, h.Partition.LogEndOffset);

        // acks=1 is appended, but consumers do not see it while the ISR is below min.insync.replicas (Kafka 3.7+).
        Assert.True(h.Produce(acks: 1).Succeeded);
        Assert.Equal(3, h.Partition.LogEndOffset);
        Assert.Equal(0, h.Partition.HighWatermark);

        // With min.insync.replicas above the replica count, the replica count is what counts.
        using var single = new PartitionHarness();
        single.Partition.MinInsyncReplicas = 3;
        single.Partition.Apply(PartitionHarness.Assignment(1, 0, [1], [1]));
        var appended = single.Produce();
        Assert.True(appended.Succeeded);
        Assert.Equal(ErrorCode.None, (await single.Partition.WaitForAcksAsync(appended.LastOffset, false, Long, CancellationToken.None)).Error);
    }

    [Fact]
    public void A_caught_up_follower_is_proposed_for_the_isr_and_joins_when_the_controller_agrees()
    {
        using var h = new PartitionHarness();
        h.Partition.Apply(PartitionHarness.Assignment(1, 2, [1, 2, 3], [1, 2]));
        h.Produce(records: 6);
        h.Partition.UpdateFollowerFetchState(2, 7, 6);
        Assert.Equal(6, h.Partition.HighWatermark);
        h.Partition.UpdateFollowerFetchState(3, 9, 3);
        Assert.Empty(h.Proposals.Submitted);
        h.Partition.UpdateFollowerFetchState(3, 9, 6);
        var proposal = Assert.Single(h.Proposals.Submitted);
        Assert.Equal([1, 2, 3], proposal.Members.ToArray());
        Assert.Equal((2, 0), (proposal.LeaderEpoch, proposal.PartitionEpoch));
        Assert.Contains((3, 9L), proposal.NewIsr);
        // Nothing more is proposed while one change is in flight.
        h.Partition.UpdateFollowerFetchState(3, 9, 6);
        Assert.Single(h.Proposals.Submitted);

        h.Partition.CompleteIsrChange(proposal, ErrorCode.None, 2, 1, [1, 2, 3]);
        Assert.Equal([1, 2, 3], h.Partition.Assignment.Isr.ToArray());
        Assert.Equal(1, h.Partition.Assignment.PartitionEpoch);
        // The same change arriving through the metadata is not applied twice.
        Assert.Equal(PartitionTransition.None, h.Partition.Apply(PartitionHarness.Assignment(1, 2, [1, 2, 3], [1, 2, 3], partitionEpoch: 1)));
    }

    [Fact]
    public void A_fetch_from_a_previous_incarnation_of_a_follower_is_refused()
    {
        using var h = new PartitionHarness();
        h.Brokers.Epochs[2] = 5;
        h.Partition.Apply(PartitionHarness.Assignment(1, 0, [1, 2], [1, 2]));
        h.Produce();
        // Kafka answers a stale broker epoch in ReplicaState with NOT_LEADER_OR_FOLLOWER, and its offset counts for nothing.
        Assert.Equal(ErrorCode.NotLeaderOrFollower, h.Partition.UpdateFollowerFetchState(2, 4, 3));
        Assert.Equal(0, h.Partition.HighWatermark);
        Assert.Equal(ErrorCode.None, h.Partition.UpdateFollowerFetchState(2, 5, 3));
        Assert.Equal(3, h.Partition.HighWatermark);
    }

    [Fact]
    public void A_fenced_or_shutting_down_broker_is_not_proposed()
    {
        using var h = new PartitionHarness();
        h.Brokers.Ineligible.Add(3);
        h.Partition.Apply(PartitionHarness.Assignment(1, 0, [1, 3], [1]));
        h.Produce();
        h.Partition.UpdateFollowerFetchState(3, -1, 3);
        Assert.Empty(h.Proposals.Submitted);
    }

    [Fact]
    public void A_follower_that_stops_catching_up_is_proposed_out_of_the_isr_after_the_lag_time()
    {
        using var h = new PartitionHarness(replicaLagTimeMaxMs: 1_000);
        h.Partition.Apply(PartitionHarness.Assignment(1, 0, [1, 2, 3], [1, 2, 3]));
        h.Produce();
        h.Partition.UpdateFollowerFetchState(2, -1, 3);
        h.Partition.UpdateFollowerFetchState(3, -1, 3);
        h.Time.Advance(600);
        h.Produce();
        h.Partition.UpdateFollowerFetchState(2, -1, 6);
        h.Partition.MaybeShrinkIsr();
        Assert.Empty(h.Proposals.Submitted);
        h.Time.Advance(600);
        h.Partition.MaybeShrinkIsr();
        Assert.Equal([1, 2], Assert.Single(h.Proposals.Submitted).Members.ToArray());
        // Refused as ineligible: dropped, so a later check may propose again.
        h.Partition.CompleteIsrChange(h.Proposals.Submitted[0], ErrorCode.IneligibleReplica, 0, 0, []);
        h.Partition.MaybeShrinkIsr();
        Assert.Equal(2, h.Proposals.Submitted.Count);
    }

    [Fact]
    public async Task Losing_leadership_ends_waits_for_acks_and_refuses_appends()
    {
        using var h = new PartitionHarness();
        h.Partition.Apply(PartitionHarness.Assignment(1, 0, [1, 2], [1, 2]));
        var appended = h.Produce();
        var acks = h.Partition.WaitForAcksAsync(appended.LastOffset, false, Long, CancellationToken.None);
        Assert.Equal(PartitionTransition.BecameFollower, h.Partition.Apply(PartitionHarness.Assignment(2, 1, [1, 2], [2])));
        Assert.Equal(ErrorCode.NotLeaderOrFollower, (await acks.WaitAsync(Long)).Error);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, h.Produce().Error);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, h.Partition.ReadForConsumer(0, 1 << 20, false, true, -1).Error);
        // A stale change (an older leader epoch) is ignored.
        Assert.Equal(PartitionTransition.None, h.Partition.Apply(PartitionHarness.Assignment(1, 0, [1, 2], [1, 2], partitionEpoch: 5)));
    }

    [Fact]
    public void Requests_naming_another_leader_epoch_are_fenced_or_unknown()
    {
        using var h = new PartitionHarness();
        h.Partition.Apply(PartitionHarness.Assignment(1, 4, [1], [1]));
        Assert.Equal(ErrorCode.None, h.Partition.CheckLeaderEpoch(-1));
        Assert.Equal(ErrorCode.None, h.Partition.CheckLeaderEpoch(4));
        Assert.Equal(ErrorCode.FencedLeaderEpoch, h.Partition.CheckLeaderEpoch(3));
        Assert.Equal(ErrorCode.UnknownLeaderEpoch, h.Partition.CheckLeaderEpoch(5));
        Assert.Equal(ErrorCode.FencedLeaderEpoch, h.Partition.ReadForReplica(2, -1, 0, -1, 3, 1000, true).Error);
    }

    [Fact]
    public void A_follower_whose_log_diverged_is_told_where_to_truncate()
    {
        using var h = new PartitionHarness();
        h.Partition.Apply(PartitionHarness.Assignment(1, 0, [1, 2], [1, 2]));
        h.Produce(records: 10);
        h.Partition.Apply(PartitionHarness.Assignment(1, 2, [1, 2], [1, 2]));
        h.Produce(records: 5);
        // Epoch 0 ran to offset 10 here; a follower that wrote epoch-1 records up to 12 (an old leader's) must cut to 10.
        var read = h.Partition.ReadForReplica(2, -1, fetchOffset: 12, lastFetchedEpoch: 1, currentLeaderEpoch: 2, 1 << 20, true);
        Assert.Equal(ErrorCode.None, read.Error);
        Assert.Equal((0, 10L), read.DivergingEpoch);
        Assert.Null(read.Records);
        // A follower in step reads on, and its fetch moves the high watermark.
        var inStep = h.Partition.ReadForReplica(2, -1, fetchOffset: 10, lastFetchedEpoch: 0, currentLeaderEpoch: 2, 1 << 20, true);
        Assert.Null(inStep.DivergingEpoch);
        Assert.True(inStep.Records is { IsEmpty: false });
        inStep.Records!.Dispose();
        Assert.Equal(10, h.Partition.HighWatermark);
        // A broker that is not a replica: UNKNOWN_LEADER_EPOCH when it named an epoch (a reassignment not seen yet).
        Assert.Equal(ErrorCode.UnknownLeaderEpoch, h.Partition.ReadForReplica(9, -1, 0, -1, 2, 1000, true).Error);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, h.Partition.ReadForReplica(9, -1, 0, -1, -1, 1000, true).Error);
        Assert.Equal((2, 15L), h.Partition.EndOffsetForEpoch(2));
        Assert.Equal((0, 10L), h.Partition.EndOffsetForEpoch(1));
        Assert.Equal((-1, -1L), h.Partition.EndOffsetForEpoch(3));
    }

    [Fact]
    public void A_follower_appends_only_in_the_epoch_it_follows()
    {
        using var h = new PartitionHarness();
        h.Partition.Apply(PartitionHarness.Assignment(2, 5, [1, 2], [1, 2]));
        var batch = PartitionHarness.Batch(3, leaderEpoch: 5);
        Assert.False(h.Partition.AppendAsFollower(batch, 3, leaderEpoch: 4));
        Assert.Equal(0, h.Partition.LogEndOffset);
        Assert.True(h.Partition.AppendAsFollower(batch, leaderHighWatermark: 2, leaderEpoch: 5));
        Assert.Equal((3L, 2L), (h.Partition.LogEndOffset, h.Partition.HighWatermark));
        Assert.Equal(5, h.Partition.Log.LeaderEpochs.Latest?.Epoch);
        Assert.True(h.Partition.TruncateTo(1, leaderEpoch: 5));
        Assert.Equal(0, h.Partition.LogEndOffset);
        // Once this node leads, follower writes are refused.
        h.Partition.Apply(PartitionHarness.Assignment(1, 6, [1, 2], [1]));
        Assert.False(h.Partition.AppendAsFollower(PartitionHarness.Batch(1, leaderEpoch: 6), 0, 6));
        Assert.Equal([new Runnel.Storage.Epochs.EpochEntry(6, 0)], h.Partition.Log.LeaderEpochs.Snapshot);
    }

    [Fact]
    public async Task A_delayed_consumer_fetch_completes_when_the_high_watermark_brings_enough_bytes()
    {
        using var h = new PartitionHarness();
        h.Partition.Apply(PartitionHarness.Assignment(1, 0, [1, 2], [1, 2]));
        using var fetch = new DelayedFetch(minBytes: 200, alreadyRead: 0);
        fetch.Add(h.Partition, from: 0, FetchBound.HighWatermark);
        fetch.Start();
        h.Produce(records: 10);
        Assert.False(fetch.Completion.IsCompleted); // appended, but not yet replicated
        h.Partition.UpdateFollowerFetchState(2, -1, 10);
        await fetch.Completion.WaitAsync(Long);
    }

    [Fact]
    public async Task A_delayed_fetch_waits_for_its_minimum_and_wakes_on_a_leadership_change()
    {
        using var h = new PartitionHarness();
        h.Partition.Apply(PartitionHarness.Assignment(1, 0, [1], [1]));
        var batchBytes = PartitionHarness.Batch(1).Length;
        using (var replicaFetch = new DelayedFetch(minBytes: (batchBytes * 2) + 1, alreadyRead: 0))
        {
            replicaFetch.Add(h.Partition, from: 0, FetchBound.LogEnd);
            replicaFetch.Start();
            h.Produce(records: 1);
            h.Produce(records: 1);
            Assert.False(replicaFetch.Completion.IsCompleted);
            h.Produce(records: 1);
            await replicaFetch.Completion.WaitAsync(Long);
        }
        using var waiting = new DelayedFetch(minBytes: 1 << 20, alreadyRead: 0);
        waiting.Add(h.Partition, from: h.Partition.LogEndOffset, FetchBound.HighWatermark);
        waiting.Start();
        Assert.False(waiting.Completion.IsCompleted);
        h.Partition.Apply(PartitionHarness.Assignment(2, 1, [1, 2], [2]));
        await waiting.Completion.WaitAsync(Long);
    }

    [Fact]
    public void A_retried_idempotent_batch_answers_with_its_first_offsets()
    {
        using var h = new PartitionHarness();
        h.Partition.Apply(PartitionHarness.Assignment(1, 0, [1], [1]));
        var first = h.Produce(records: 3, producerId: 7, sequence: 0);
        var retry = h.Produce(records: 3, producerId: 7, sequence: 0);
        Assert.Equal((first.FirstOffset, first.LastOffset), (retry.FirstOffset, retry.LastOffset));
        Assert.Equal(3, h.Partition.LogEndOffset);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, h.Produce(records: 1, producerId: 7, sequence: 9).Error);
    }
}
