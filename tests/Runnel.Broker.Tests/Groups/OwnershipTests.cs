using Runnel.Broker.Groups;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Tests.Groups;

/// <summary>
/// The coordinator follows the leadership of __consumer_offsets: a partition is loaded when this node is elected its
/// leader and unloaded when it resigns; requests for groups of other partitions are refused.
/// </summary>
public sealed class OwnershipTests
{
    private static readonly TimeSpan Timeout = GroupHarness.LoadTimeout;

    [Fact]
    public async Task Requests_are_refused_while_their_partition_loads_and_then_see_its_groups_and_offsets()
    {
        var before = new GroupHarness();
        var members = await before.StableGroup(1);
        Assert.Equal(ErrorCode.None, await before.Commit(members[0].MemberId, members[0].GenerationId, 42));
        before.Store.LoadGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var h = before.Restart(loaded: false);
        var member = members[0];

        Assert.Equal(ErrorCode.NotCoordinator, await h.Commit("", -1, 1));
        Assert.Equal((short)ErrorCode.NotCoordinator, (await h.Join()).ErrorCode);

        var loading = h.Coordinator.OnElection(h.GroupPartition, 1);
        Assert.False(loading.IsCompleted);
        Assert.Equal((short)ErrorCode.CoordinatorLoadInProgress, (await h.Join()).ErrorCode);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, await h.Commit(member.MemberId, member.GenerationId, 43));
        Assert.Equal((short)ErrorCode.CoordinatorLoadInProgress, h.Coordinator.FetchOffsets(GroupHarness.Group, [("t", [0])]).ErrorCode);
        Assert.Equal((short)ErrorCode.CoordinatorLoadInProgress, h.Coordinator.Describe(GroupHarness.Group).ErrorCode);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, h.Coordinator.Leave(GroupHarness.Group, [new() { MemberId = member.MemberId }]).Error);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, h.Coordinator.DeleteGroup(GroupHarness.Group));
        Assert.Equal((short)ErrorCode.CoordinatorLoadInProgress, h.Coordinator.DeleteOffsets(new OffsetDeleteRequest { GroupId = GroupHarness.Group }).ErrorCode);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, h.Coordinator.List([], []).Error);
        // As Kafka answers them: a heartbeat passes blindly, and SyncGroup sends the member back to JoinGroup.
        Assert.Equal(ErrorCode.None, h.Heartbeat(member.MemberId, member.GenerationId));
        Assert.Equal((short)ErrorCode.RebalanceInProgress, (await h.Sync(member)).ErrorCode);

        before.Store.LoadGate.SetResult();
        await loading.WaitAsync(Timeout);
        Assert.Equal(GroupState.Stable, h.State);
        Assert.Equal(42, h.Committed());
        Assert.Equal(ErrorCode.None, h.Heartbeat(member.MemberId, member.GenerationId));
        var (error, listed) = h.Coordinator.List([], []);
        Assert.Equal((ErrorCode.None, GroupHarness.Group), (error, Assert.Single(listed).GroupId));
    }

    [Fact]
    public async Task Unloading_answers_parked_syncs_and_joins_with_not_coordinator_and_forgets_the_groups()
    {
        var h = new GroupHarness();
        var partition = h.GroupPartition;
        var a = await h.JoinNew();
        var b = await h.JoinNew();
        h.Time.Advance(0);
        var (ra, rb) = (await a, await b);
        var follower = ra.Leader == ra.MemberId ? rb : ra;
        var parkedSync = h.Sync(follower);
        Assert.False(parkedSync.IsCompleted);

        h.Coordinator.OnResignation(partition, 1);
        Assert.Equal((short)ErrorCode.NotCoordinator, (await parkedSync.WaitAsync(Timeout)).ErrorCode);
        Assert.Null(h.Coordinator.Find(GroupHarness.Group));
        Assert.Equal(ErrorCode.NotCoordinator, h.Heartbeat(follower.MemberId, follower.GenerationId));

        // Led again in a later epoch, with a join parked in the initial rebalance when leadership moves once more.
        await h.Coordinator.OnElection(partition, 2).WaitAsync(Timeout);
        var parkedJoin = await h.JoinNew();
        Assert.False(parkedJoin.IsCompleted);
        var written = h.Store.Partition(partition).Count;
        h.Coordinator.OnResignation(partition, 3);
        Assert.Equal((short)ErrorCode.NotCoordinator, (await parkedJoin.WaitAsync(Timeout)).ErrorCode);
        // The group's timers went with it: its rebalance never completes, so nothing more is written.
        h.Time.Advance(600_000);
        Assert.Equal(written, h.Store.Partition(partition).Count);
        Assert.Equal(GroupState.Dead, h.State);
    }

    [Fact]
    public async Task A_load_that_ends_after_an_unload_is_discarded_and_stale_epochs_are_ignored()
    {
        var before = new GroupHarness();
        Assert.Equal(ErrorCode.None, await before.Commit("", -1, 7));
        before.Store.LoadGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var h = before.Restart(loaded: false);
        var partition = h.GroupPartition;

        var load = h.Coordinator.OnElection(partition, 1);
        h.Coordinator.OnResignation(partition, 2);
        before.Store.LoadGate.SetResult();
        await load.WaitAsync(Timeout);
        Assert.Null(h.Coordinator.Find(GroupHarness.Group));
        Assert.Equal(ErrorCode.NotCoordinator, await h.Commit("", -1, 8));

        // Elections at or below the epoch of the resignation are stale.
        await h.Coordinator.OnElection(partition, 1).WaitAsync(Timeout);
        await h.Coordinator.OnElection(partition, 2).WaitAsync(Timeout);
        Assert.Equal((short)ErrorCode.NotCoordinator, h.Coordinator.FetchOffsets(GroupHarness.Group, null).ErrorCode);
        await h.Coordinator.OnElection(partition, 3).WaitAsync(Timeout);
        Assert.Equal(7, h.Committed());

        // A newer election while active keeps the loaded groups; a resignation not above the epoch is stale.
        var group = h.Coordinator.Find(GroupHarness.Group);
        await h.Coordinator.OnElection(partition, 4).WaitAsync(Timeout);
        h.Coordinator.OnResignation(partition, 4);
        Assert.Same(group, h.Coordinator.Find(GroupHarness.Group));

        // A stop is never stale, and a topic created again numbers its epochs from 0.
        h.Coordinator.OnResignation(partition, leaderEpoch: null);
        Assert.Equal((short)ErrorCode.NotCoordinator, h.Coordinator.FetchOffsets(GroupHarness.Group, null).ErrorCode);
        await h.Coordinator.OnElection(partition, 0).WaitAsync(Timeout);
        Assert.Equal(7, h.Committed());
    }

    [Fact]
    public async Task Only_groups_of_partitions_led_here_are_listed_described_and_expired()
    {
        var h = new GroupHarness(new GroupCoordinatorConfig { InitialRebalanceDelayMs = 0, MinSessionTimeoutMs = 100, OffsetsRetentionMs = 60_000 });
        var other = Enumerable.Range(0, 100).Select(i => $"group-{i}").First(id => h.Coordinator.PartitionFor(id) != h.GroupPartition);
        Assert.Equal(ErrorCode.None, await h.Commit("", -1, 1));
        Assert.Equal(ErrorCode.None, await h.CommitFor(other, "", -1, 2));
        h.Coordinator.OnResignation(h.Coordinator.PartitionFor(other), 1);

        Assert.Equal([GroupHarness.Group], h.Coordinator.List([], []).Groups.Select(g => g.GroupId));
        Assert.Equal((short)ErrorCode.NotCoordinator, h.Coordinator.Describe(other).ErrorCode);
        Assert.Equal(ErrorCode.NotCoordinator, h.Coordinator.DeleteGroup(other));
        h.Time.Advance(60_000);
        Assert.Equal(1, h.Coordinator.ExpireOffsets());
    }

    [Fact]
    public async Task A_node_without_partitions_and_a_disposed_coordinator_are_not_available()
    {
        var none = new GroupCoordinator(new GroupCoordinatorConfig(), new Quorum.NoGroupStore(), new ManualTimeProvider(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, (_, _) => true);
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, none.Heartbeat(new HeartbeatRequest { GroupId = "g", MemberId = "m" }));
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, none.List([], []).Error);

        var h = new GroupHarness();
        var parked = await h.JoinNew();
        h.Coordinator.Dispose();
        Assert.Equal((short)ErrorCode.NotCoordinator, (await parked.WaitAsync(Timeout)).ErrorCode);
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, await h.Commit("", -1, 1));
    }
}
