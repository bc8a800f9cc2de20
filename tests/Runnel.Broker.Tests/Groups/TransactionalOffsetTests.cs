using Runnel.Broker.Groups;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Tests.Groups;

/// <summary>
/// TxnOffsetCommit: offsets pending per producer until its transaction's marker, OffsetFetch's require_stable, the
/// KIP-447 member checks, deletion and expiry around open transactions, and the replay of transactional batches and
/// markers after a restart.
/// </summary>
public sealed class TransactionalOffsetTests
{
    private const long Producer = 1000;
    private const long OtherProducer = 2000;

    /// <summary>What WriteTxnMarkers does for the coordinator's partition: the marker goes to the log, then the coordinator hears of it.</summary>
    private static void End(GroupHarness h, long producerId, bool commit)
    {
        h.Store.AppendMarker(h.GroupPartition, producerId, commit);
        h.Coordinator.CompleteTransaction(h.GroupPartition, producerId, 0, commit);
    }

    [Fact]
    public async Task Pending_offsets_are_invisible_and_unstable_until_the_commit_marker_makes_them_committed()
    {
        var h = new GroupHarness();
        Assert.Equal(ErrorCode.None, await h.Commit("", -1, 5));
        Assert.Equal(ErrorCode.None, await h.TxnCommit(Producer, 10));
        Assert.Equal(5, h.Committed());
        Assert.Equal((ErrorCode.UnstableOffsetCommit, -1L), h.FetchStable());
        var all = h.Coordinator.FetchOffsets(GroupHarness.Group, null, requireStable: true);
        Assert.Equal((short)ErrorCode.UnstableOffsetCommit, Assert.Single(Assert.Single(all.Topics).Partitions).ErrorCode);
        Assert.Equal((ErrorCode.None, -1L), h.FetchStable(partition: 1));

        // The batch is the producer's: a transactional batch with its id.
        var written = h.Store.Partition(h.GroupPartition);
        Assert.Equal([-1L, Producer], written.Select(r => r.ProducerId));

        // Another producer's marker ends nothing here.
        End(h, OtherProducer, commit: true);
        Assert.Equal((ErrorCode.UnstableOffsetCommit, -1L), h.FetchStable());
        End(h, Producer, commit: true);
        Assert.Equal((ErrorCode.None, 10L), h.FetchStable());
        Assert.Equal(10, h.Committed());
    }

    [Fact]
    public async Task An_abort_drops_the_pending_offsets_and_keeps_the_committed_ones()
    {
        var h = new GroupHarness();
        Assert.Equal(ErrorCode.None, await h.Commit("", -1, 5));
        Assert.Equal(ErrorCode.None, await h.TxnCommit(Producer, 10));
        Assert.Equal(ErrorCode.None, await h.TxnCommit(OtherProducer, 20, partition: 1));
        End(h, Producer, commit: false);
        Assert.Equal((ErrorCode.None, 5L), h.FetchStable());
        Assert.Equal((ErrorCode.UnstableOffsetCommit, -1L), h.FetchStable(partition: 1));
        End(h, OtherProducer, commit: true);
        Assert.Equal((ErrorCode.None, 20L), h.FetchStable(partition: 1));
    }

    [Fact]
    public async Task The_later_of_a_plain_and_a_transactional_commit_wins_as_the_log_orders_them()
    {
        var h = new GroupHarness();
        Assert.Equal(ErrorCode.None, await h.TxnCommit(Producer, 10, partition: 0));
        Assert.Equal(ErrorCode.None, await h.Commit("", -1, 11, partition: 0));
        Assert.Equal(ErrorCode.None, await h.Commit("", -1, 21, partition: 1));
        Assert.Equal(ErrorCode.None, await h.TxnCommit(Producer, 20, partition: 1));
        End(h, Producer, commit: true);
        Assert.Equal(11, h.Committed(partition: 0));
        Assert.Equal(20, h.Committed(partition: 1));
    }

    [Fact]
    public async Task Members_commit_in_their_generation_and_others_are_refused_as_KIP_447_asks()
    {
        var h = new GroupHarness();
        var member = (await h.StableGroup(1))[0];
        Assert.Equal(ErrorCode.None, await h.TxnCommit(Producer, 1, member.MemberId, member.GenerationId));
        Assert.Equal(ErrorCode.IllegalGeneration, await h.TxnCommit(Producer, 1, member.MemberId, member.GenerationId + 1));
        Assert.Equal(ErrorCode.UnknownMemberId, await h.TxnCommit(Producer, 1, "zombie", member.GenerationId));
        // v0-2 carry no member: accepted whatever the group's state, unlike a plain commit.
        Assert.Equal(ErrorCode.None, await h.TxnCommit(Producer, 2, version: 2));
        Assert.Equal(ErrorCode.UnknownMemberId, await h.Commit("", -1, 2));
        // A rebalance does not hold a transactional commit back.
        var rejoined = await h.Join(member.MemberId);
        Assert.Equal(GroupState.CompletingRebalance, h.State);
        Assert.Equal(ErrorCode.None, await h.TxnCommit(Producer, 3, member.MemberId, rejoined.GenerationId));
        Assert.Equal(ErrorCode.RebalanceInProgress, await h.Commit(member.MemberId, rejoined.GenerationId, 3));
    }

    [Fact]
    public async Task A_static_member_replaced_by_a_new_incarnation_is_fenced()
    {
        var h = new GroupHarness();
        var first = h.Join(instanceId: "i");
        h.Time.Advance(0);
        var joined = await first;
        await h.Sync(joined, (joined.MemberId, [1]));
        var second = await h.Join(instanceId: "i");
        Assert.NotEqual(joined.MemberId, second.MemberId);
        Assert.Equal(ErrorCode.FencedInstanceId, await h.TxnCommit(Producer, 1, joined.MemberId, joined.GenerationId, "i"));
        Assert.Equal(ErrorCode.None, await h.TxnCommit(Producer, 1, second.MemberId, joined.GenerationId, "i"));
    }

    [Fact]
    public async Task Unknown_groups_partitions_and_coordinators_are_refused_as_Kafka_refuses_them()
    {
        var h = new GroupHarness();
        Assert.Equal(ErrorCode.IllegalGeneration, await h.TxnCommit(Producer, 1, "m", 3));
        Assert.Null(h.Coordinator.Find(GroupHarness.Group));
        Assert.Equal(ErrorCode.InvalidGroupId, await h.TxnCommit(Producer, 1, group: ""));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, await h.TxnCommit(Producer, 1, topic: "missing"));
        Assert.Null(h.Coordinator.Find(GroupHarness.Group));

        // Unknown partitions come first in the reply and keep their own error beside the group's.
        var mixed = await h.Coordinator.CommitTransactionalOffsetsAsync(new TxnOffsetCommitRequest
        {
            GroupId = "",
            ProducerId = Producer,
            Topics =
            [
                new() { Name = "t", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1 }] },
                new() { Name = "missing", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1 }] },
            ],
        }, 3);
        Assert.Equal([("missing", (short)ErrorCode.UnknownTopicOrPartition), ("t", (short)ErrorCode.InvalidGroupId)],
            mixed.Topics.Select(t => (t.Name, Assert.Single(t.Partitions).ErrorCode)));

        // Without a generation, an unknown group becomes a simple group; too long metadata is refused per partition.
        var tooLong = await h.Coordinator.CommitTransactionalOffsetsAsync(new TxnOffsetCommitRequest
        {
            GroupId = GroupHarness.Group,
            ProducerId = Producer,
            Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1, CommittedMetadata = new string('x', 4097) }, new() { PartitionIndex = 1, CommittedOffset = 2 }] }],
        }, 3);
        Assert.Equal([(short)ErrorCode.OffsetMetadataTooLarge, (short)ErrorCode.None], tooLong.Topics[0].Partitions.Select(p => p.ErrorCode));
        Assert.Equal(GroupState.Empty, h.State);
        Assert.Equal((ErrorCode.None, -1L), h.FetchStable(partition: 0));

        var loading = h.Restart(loaded: false);
        Assert.Equal(ErrorCode.NotCoordinator, await loading.TxnCommit(Producer, 1));
        h.Store.LoadGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loaded = loading.Coordinator.OnElection(loading.GroupPartition, 1);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, await loading.TxnCommit(Producer, 1, version: 2));
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, await loading.TxnCommit(Producer, 1, version: 1));
        h.Store.LoadGate.SetResult();
        await loaded.WaitAsync(GroupHarness.LoadTimeout);
        loading.Coordinator.Dispose();
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, await loading.TxnCommit(Producer, 1));
    }

    [Fact]
    public async Task A_write_the_log_refuses_leaves_nothing_pending_and_answers_the_mapped_error()
    {
        var h = new GroupHarness();
        h.Store.RefuseWith = ErrorCode.InvalidProducerEpoch;
        Assert.Equal(ErrorCode.InvalidProducerEpoch, await h.TxnCommit(Producer, 1));
        h.Store.RefuseWith = ErrorCode.NotLeaderOrFollower;
        Assert.Equal(ErrorCode.NotCoordinator, await h.TxnCommit(Producer, 1));
        h.Store.RefuseWith = null;
        Assert.Equal((ErrorCode.None, -1L), h.FetchStable());
        h.Store.DurableWith = ErrorCode.RequestTimedOut;
        Assert.Equal(ErrorCode.RequestTimedOut, await h.TxnCommit(Producer, 1));
    }

    [Fact]
    public async Task A_restart_rebuilds_pending_and_committed_offsets_from_transactional_batches_and_markers()
    {
        var h = new GroupHarness();
        var partition = h.GroupPartition;
        Assert.Equal(ErrorCode.None, await h.Commit("", -1, 5, partition: 0));
        Assert.Equal(ErrorCode.None, await h.TxnCommit(Producer, 10, partition: 0));
        Assert.Equal(ErrorCode.None, await h.TxnCommit(OtherProducer, 20, partition: 1));
        Assert.Equal(ErrorCode.None, await h.TxnCommit(Producer + 1, 30, partition: 2));
        Assert.Equal(ErrorCode.None, await h.Commit("", -1, 31, partition: 2));

        var pendingAfterRestart = h.Restart();
        Assert.Equal((ErrorCode.UnstableOffsetCommit, -1L), pendingAfterRestart.FetchStable(partition: 0));
        Assert.Equal(5, pendingAfterRestart.Committed(partition: 0));
        Assert.Equal(-1, pendingAfterRestart.Committed(partition: 1));

        h.Store.AppendMarker(partition, Producer, commit: true);
        h.Store.AppendMarker(partition, OtherProducer, commit: false);
        h.Store.AppendMarker(partition, Producer + 1, commit: true);
        var restarted = h.Restart();
        Assert.Equal((ErrorCode.None, 10L), restarted.FetchStable(partition: 0));
        Assert.Equal((ErrorCode.None, -1L), restarted.FetchStable(partition: 1));
        // The plain commit came after the transactional one in the log: it stays.
        Assert.Equal((ErrorCode.None, 31L), restarted.FetchStable(partition: 2));

        // The replayed state goes on as the live one: a new transaction of the same producer, then its commit.
        Assert.Equal(ErrorCode.None, await restarted.TxnCommit(Producer, 40, partition: 0));
        End(restarted, Producer, commit: true);
        Assert.Equal(40, restarted.Committed(partition: 0));
    }

    [Fact]
    public async Task A_marker_heard_while_the_partition_loads_applies_once_it_is_loaded()
    {
        var before = new GroupHarness();
        Assert.Equal(ErrorCode.None, await before.TxnCommit(Producer, 10));
        before.Store.LoadGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var h = before.Restart(loaded: false);
        var loaded = h.Coordinator.OnElection(h.GroupPartition, 1);
        // The marker went to the log after the replay began reading it, so only the coordinator hears of it.
        h.Coordinator.CompleteTransaction(h.GroupPartition, Producer, 0, commit: true);
        before.Store.LoadGate.SetResult();
        await loaded.WaitAsync(GroupHarness.LoadTimeout);
        Assert.Equal((ErrorCode.None, 10L), h.FetchStable());
    }

    [Fact]
    public async Task Deleting_offsets_or_the_group_removes_pending_offsets_too()
    {
        var h = new GroupHarness();
        Assert.Equal(ErrorCode.None, await h.TxnCommit(Producer, 10, topic: "old"));
        var deleted = h.Coordinator.DeleteOffsets(new OffsetDeleteRequest
        {
            GroupId = GroupHarness.Group,
            Topics = [new() { Name = "old", Partitions = [new() { PartitionIndex = 0 }] }],
        });
        Assert.Equal((short)ErrorCode.None, deleted.Topics[0].Partitions[0].ErrorCode);
        Assert.Null(Assert.Single(h.Store.Partition(h.GroupPartition), r => r.ProducerId == -1).Value);
        Assert.Equal((ErrorCode.None, -1L), h.FetchStable("old"));
        End(h, Producer, commit: true);
        Assert.Equal(-1, h.Committed("old"));

        Assert.Equal(ErrorCode.None, await h.TxnCommit(OtherProducer, 20));
        Assert.Equal(ErrorCode.None, h.Coordinator.DeleteGroup(GroupHarness.Group));
        End(h, OtherProducer, commit: true);
        var restarted = h.Restart();
        Assert.Null(restarted.Coordinator.Find(GroupHarness.Group));
        Assert.Equal(-1, restarted.Committed());
    }

    [Fact]
    public async Task Offsets_do_not_expire_under_an_open_transaction_and_its_group_stays()
    {
        var h = new GroupHarness(new GroupCoordinatorConfig { InitialRebalanceDelayMs = 0, MinSessionTimeoutMs = 100, OffsetsRetentionMs = 60_000 });
        Assert.Equal(ErrorCode.None, await h.Commit("", -1, 5, partition: 0));
        Assert.Equal(ErrorCode.None, await h.Commit("", -1, 6, partition: 1));
        Assert.Equal(ErrorCode.None, await h.TxnCommit(Producer, 10, partition: 0));
        h.Time.Advance(60_000);
        Assert.Equal(1, h.Coordinator.ExpireOffsets());
        Assert.Equal(-1, h.Committed(partition: 1));
        Assert.Equal(5, h.Committed(partition: 0));
        Assert.NotNull(h.Coordinator.Find(GroupHarness.Group));

        // A group with only a transaction's offsets stays while the transaction is open.
        Assert.Equal(ErrorCode.None, await h.TxnCommit(OtherProducer, 1, group: "only-pending"));
        h.Time.Advance(60_000);
        h.Coordinator.ExpireOffsets();
        Assert.Equal(GroupState.Empty, h.Coordinator.Find("only-pending")?.State);

        // Committed now, the offset counts from its TxnOffsetCommit, as in Kafka: it is due already, and the group goes with it.
        End(h, Producer, commit: true);
        Assert.Equal(10, h.Committed(partition: 0));
        Assert.Equal(1, h.Coordinator.ExpireOffsets());
        Assert.Null(h.Coordinator.Find(GroupHarness.Group));
    }
}
