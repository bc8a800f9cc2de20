using Runnel.Broker.Groups;
using Runnel.Protocol;

namespace Runnel.Broker.Tests.Groups;

/// <summary>The join and sync phases: member ids, the initial delay, leader election, protocol choice, assignments.</summary>
public sealed class JoinAndSyncTests
{
    [Fact]
    public async Task A_new_member_of_v4_plus_gets_its_id_first_and_joins_with_it()
    {
        var h = new GroupHarness();
        var first = await h.Join();
        Assert.Equal((short)ErrorCode.MemberIdRequired, first.ErrorCode);
        Assert.StartsWith("client-", first.MemberId, StringComparison.Ordinal);
        var joining = h.Join(first.MemberId);
        h.Time.Advance(0);
        var joined = await joining;
        Assert.Equal((short)ErrorCode.None, joined.ErrorCode);
        Assert.Equal((first.MemberId, first.MemberId, 1, "range"), (joined.MemberId, joined.Leader, joined.GenerationId, joined.ProtocolName));
        Assert.Single(joined.Members);
        Assert.Equal(GroupState.CompletingRebalance, h.State);
    }

    [Fact]
    public async Task A_v3_member_joins_at_once_without_the_member_id_round_trip()
    {
        var h = new GroupHarness();
        var joining = h.Join(version: 3);
        h.Time.Advance(0);
        var joined = await joining;
        Assert.Equal((short)ErrorCode.None, joined.ErrorCode);
        Assert.Equal(joined.MemberId, joined.Leader);
    }

    [Fact]
    public async Task The_initial_rebalance_waits_for_the_delay_and_again_for_each_late_member()
    {
        var h = new GroupHarness(new GroupCoordinatorConfig { InitialRebalanceDelayMs = 3000, MinSessionTimeoutMs = 100 });
        var a = await h.JoinNew();
        h.Time.Advance(2000);
        var b = await h.JoinNew();
        h.Time.Advance(1000);
        Assert.False(a.IsCompleted, "a member joined during the delay, so the delay is extended");
        h.Time.Advance(2999);
        Assert.False(a.IsCompleted);
        h.Time.Advance(1);
        var (ra, rb) = (await a, await b);
        Assert.Equal(1, ra.GenerationId);
        Assert.Equal(ra.Leader, rb.Leader);
        Assert.Equal(2, ra.Members.Count + rb.Members.Count);
    }

    [Fact]
    public async Task Only_the_leader_gets_the_members_and_their_metadata_for_the_chosen_protocol()
    {
        var h = new GroupHarness();
        var members = await h.StableGroup(3);
        Assert.Equal(3, members[0].Members.Count);
        Assert.All(members.Skip(1), m => Assert.Empty(m.Members));
        Assert.All(members[0].Members, m => Assert.Equal(GroupHarness.Subscription("t"), m.Metadata));
    }

    [Fact]
    public async Task Followers_wait_for_the_leader_and_get_their_assignment_bytes_untouched()
    {
        var h = new GroupHarness();
        var joins = new[] { await h.JoinNew(), await h.JoinNew(), await h.JoinNew() };
        h.Time.Advance(0);
        var replies = await Task.WhenAll(joins);
        var leader = replies.Single(r => r.Leader == r.MemberId);
        var followers = replies.Where(r => r != leader).ToList();
        var waiting = h.Sync(followers[0]);
        Assert.False(waiting.IsCompleted);
        var bytes = new byte[] { 0, 1, 2, 255 };
        var leaderSync = await h.Sync(leader, (leader.MemberId, [9]), (followers[0].MemberId, bytes));
        Assert.Equal([9], leaderSync.Assignment);
        Assert.Equal(bytes, (await waiting).Assignment);
        Assert.Equal("range", (await waiting).ProtocolName);
        // A member the leader left out gets an empty assignment, and a late SyncGroup in a Stable group is answered at once.
        Assert.Empty((await h.Sync(followers[1])).Assignment);
        Assert.Equal(GroupState.Stable, h.State);
    }

    [Fact]
    public async Task The_chosen_protocol_is_one_every_member_lists_and_others_are_refused()
    {
        var h = new GroupHarness();
        var a = await h.JoinNew(protocols: GroupHarness.Protocols("range", "roundrobin"));
        var b = await h.JoinNew(protocols: GroupHarness.Protocols("roundrobin", "range"));
        var c = await h.JoinNew(protocols: GroupHarness.Protocols("roundrobin"));
        h.Time.Advance(0);
        Assert.All(await Task.WhenAll(a, b, c), r => Assert.Equal("roundrobin", r.ProtocolName));
        var inconsistent = await h.Join(protocols: GroupHarness.Protocols("cooperative-sticky"));
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, inconsistent.ErrorCode);
        var otherType = await h.Join(protocols: GroupHarness.Protocols("roundrobin"), protocolType: "connect");
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, otherType.ErrorCode);
    }

    [Fact]
    public async Task A_member_joining_a_stable_group_makes_the_others_rejoin_into_the_next_generation()
    {
        var h = new GroupHarness();
        var members = await h.StableGroup(2);
        var newcomer = await h.JoinNew();
        Assert.Equal(GroupState.PreparingRebalance, h.State);
        Assert.All(members, m => Assert.Equal(ErrorCode.RebalanceInProgress, h.Heartbeat(m.MemberId, m.GenerationId)));
        Assert.False(newcomer.IsCompleted);
        var rejoins = members.Select(m => h.Join(m.MemberId)).ToList();
        var replies = await Task.WhenAll([newcomer, .. rejoins]);
        Assert.All(replies, r => Assert.Equal(2, r.GenerationId));
        Assert.Equal(members[0].MemberId, replies[0].Leader);
    }

    [Fact]
    public async Task A_follower_rejoining_a_stable_group_unchanged_gets_the_current_generation_without_a_rebalance()
    {
        var h = new GroupHarness();
        var members = await h.StableGroup(2);
        var again = await h.Join(members[1].MemberId);
        Assert.Equal((members[1].GenerationId, members[0].MemberId), (again.GenerationId, again.Leader));
        Assert.Equal(GroupState.Stable, h.State);
    }

    [Fact]
    public async Task Join_errors_for_bad_requests()
    {
        var h = new GroupHarness(new GroupCoordinatorConfig { InitialRebalanceDelayMs = 0, MinSessionTimeoutMs = 6000, MaxSessionTimeoutMs = 60_000, MaxSize = 2 });
        Assert.Equal((short)ErrorCode.InvalidSessionTimeout, (await h.Join(sessionMs: 5999)).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidSessionTimeout, (await h.Join(sessionMs: 60_001)).ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownMemberId, (await h.Join("nobody")).ErrorCode);
        await h.StableGroup(2);
        Assert.Equal((short)ErrorCode.GroupMaxSizeReached, (await h.Join(version: 3)).ErrorCode);
    }

    [Fact]
    public async Task Sync_and_heartbeat_refuse_stale_generations_and_unknown_members()
    {
        var h = new GroupHarness();
        var members = await h.StableGroup(1);
        var m = members[0];
        Assert.Equal(ErrorCode.IllegalGeneration, h.Heartbeat(m.MemberId, m.GenerationId - 1));
        Assert.Equal((short)ErrorCode.IllegalGeneration, (await h.Sync(m.MemberId, m.GenerationId + 1)).ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, h.Heartbeat("stranger", m.GenerationId));
        Assert.Equal((short)ErrorCode.UnknownMemberId, (await h.Sync("stranger", m.GenerationId)).ErrorCode);
        Assert.Equal(ErrorCode.None, h.Heartbeat(m.MemberId, m.GenerationId));
    }
}
