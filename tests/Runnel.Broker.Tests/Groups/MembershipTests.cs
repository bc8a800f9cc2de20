using Runnel.Broker.Groups;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Tests.Groups;

/// <summary>Members that stop heartbeating, never rejoin or never sync; leaving; static members.</summary>
public sealed class MembershipTests
{
    [Fact]
    public async Task A_member_that_stops_heartbeating_is_removed_after_its_session_timeout()
    {
        var h = new GroupHarness();
        var members = await h.StableGroup(2, sessionMs: 1000);
        h.Time.Advance(600);
        Assert.Equal(ErrorCode.None, h.Heartbeat(members[0].MemberId, members[0].GenerationId));
        h.Time.Advance(600);
        // members[1] went silent for 1200 ms: gone; members[0] heartbeated at 600 ms and is told to rejoin.
        Assert.Equal(ErrorCode.RebalanceInProgress, h.Heartbeat(members[0].MemberId, members[0].GenerationId));
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat(members[1].MemberId, members[1].GenerationId));
        var rejoined = await h.Join(members[0].MemberId);
        Assert.Equal((members[0].GenerationId + 1, members[0].MemberId), (rejoined.GenerationId, rejoined.Leader));
        Assert.Single(rejoined.Members);
    }

    [Fact]
    public async Task Members_that_do_not_rejoin_within_the_rebalance_timeout_are_dropped_from_the_generation()
    {
        var h = new GroupHarness();
        var members = await h.StableGroup(3, sessionMs: 60_000);
        var newcomer = await h.JoinNew(sessionMs: 60_000, rebalanceMs: 5000);
        var leader = h.Join(members[0].MemberId, sessionMs: 60_000, rebalanceMs: 5000);
        h.Time.Advance(29_999);
        Assert.False(leader.IsCompleted, "the longest rebalance timeout (30 s) of any member bounds the join phase");
        h.Time.Advance(1);
        var replies = await Task.WhenAll(leader, newcomer);
        Assert.Equal(2, replies.Single(r => r.Leader == r.MemberId).Members.Count);
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat(members[1].MemberId, members[1].GenerationId));
    }

    [Fact]
    public async Task Members_that_never_send_SyncGroup_are_dropped_after_the_rebalance_timeout()
    {
        var h = new GroupHarness();
        var a = await h.JoinNew(rebalanceMs: 2000);
        var b = await h.JoinNew(rebalanceMs: 2000);
        h.Time.Advance(0);
        var (ra, rb) = (await a, await b);
        var leader = ra.Leader == ra.MemberId ? ra : rb;
        var silent = leader == ra ? rb : ra;
        var leaderSync = await h.Sync(leader, (leader.MemberId, [1]), (silent.MemberId, [2]));
        Assert.Equal(GroupState.Stable, h.State);
        h.Time.Advance(2000);
        Assert.Equal(GroupState.PreparingRebalance, h.State);
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat(silent.MemberId, silent.GenerationId));
        Assert.Equal([1], leaderSync.Assignment);
    }

    [Fact]
    public async Task LeaveGroup_removes_members_at_once_and_reports_each_one()
    {
        var h = new GroupHarness();
        var members = await h.StableGroup(3);
        var (error, results) = h.Coordinator.Leave(GroupHarness.Group,
            [new() { MemberId = members[1].MemberId }, new() { MemberId = members[2].MemberId }, new() { MemberId = "stranger" }]);
        Assert.Equal(ErrorCode.None, error);
        Assert.Equal([0, 0, (short)ErrorCode.UnknownMemberId], results.Select(r => r.ErrorCode));
        var rejoined = await h.Join(members[0].MemberId);
        Assert.Single(rejoined.Members);
        Assert.Equal(ErrorCode.UnknownMemberId, h.Coordinator.Leave("no-such-group", [new() { MemberId = "x" }]).Error);
    }

    [Fact]
    public async Task The_last_member_leaving_empties_the_group_and_stores_that()
    {
        var h = new GroupHarness();
        var members = await h.StableGroup(1);
        h.Coordinator.Leave(GroupHarness.Group, [new() { MemberId = members[0].MemberId }]);
        Assert.Equal(GroupState.Empty, h.State);
        var restarted = h.Restart();
        Assert.Equal(GroupState.Empty, restarted.State);
        Assert.Equal(members[0].GenerationId + 1, restarted.Coordinator.Find(GroupHarness.Group)!.GenerationId);
    }

    [Fact]
    public async Task A_static_member_that_restarts_takes_its_old_assignment_without_a_rebalance_and_fences_its_old_self()
    {
        var h = new GroupHarness();
        var first = h.Join(instanceId: "i1");
        var second = h.Join(instanceId: "i2");
        h.Time.Advance(0);
        var (r1, r2) = (await first, await second);
        var leader = r1.Leader == r1.MemberId ? r1 : r2;
        var follower = leader == r1 ? r2 : r1;
        var followerSync = h.Coordinator.SyncAsync(new SyncGroupRequest { GroupId = GroupHarness.Group, MemberId = follower.MemberId, GenerationId = follower.GenerationId, GroupInstanceId = follower == r1 ? "i1" : "i2" });
        await h.Coordinator.SyncAsync(new SyncGroupRequest
        {
            GroupId = GroupHarness.Group,
            MemberId = leader.MemberId,
            GenerationId = leader.GenerationId,
            GroupInstanceId = leader == r1 ? "i1" : "i2",
            Assignments = [new() { MemberId = r1.MemberId, Assignment = [1] }, new() { MemberId = r2.MemberId, Assignment = [2] }],
        });
        await followerSync;

        // i1 restarts: a new member id, the same generation, its old assignment; i2 sees no rebalance.
        var back = await h.Join(instanceId: "i1");
        Assert.Equal((short)ErrorCode.None, back.ErrorCode);
        Assert.NotEqual(r1.MemberId, back.MemberId);
        Assert.Equal(r1.GenerationId, back.GenerationId);
        var synced = await h.Coordinator.SyncAsync(new SyncGroupRequest { GroupId = GroupHarness.Group, MemberId = back.MemberId, GenerationId = back.GenerationId, GroupInstanceId = "i1" });
        Assert.Equal([1], synced.Assignment);
        Assert.Equal(GroupState.Stable, h.State);
        Assert.Equal(ErrorCode.None, h.Heartbeat(r2.MemberId, r2.GenerationId, "i2"));
        Assert.Equal(ErrorCode.FencedInstanceId, h.Heartbeat(r1.MemberId, r1.GenerationId, "i1"));
        Assert.Equal(ErrorCode.UnknownMemberId, await h.Commit(r1.MemberId, r1.GenerationId, 5));
    }
}
