using Runnel.Broker.Groups;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Tests.Groups;

/// <summary>Commits (generation and member checks), fetches, deletion, expiry, and the admin views.</summary>
public sealed class OffsetTests
{
    [Fact]
    public async Task Members_commit_with_their_generation_and_zombies_are_refused()
    {
        var h = new GroupHarness();
        var members = await h.StableGroup(2);
        Assert.Equal(ErrorCode.None, await h.Commit(members[0].MemberId, members[0].GenerationId, 42));
        Assert.Equal(42, h.Committed());
        Assert.Equal(ErrorCode.IllegalGeneration, await h.Commit(members[0].MemberId, members[0].GenerationId - 1, 1));
        Assert.Equal(ErrorCode.UnknownMemberId, await h.Commit("zombie", members[0].GenerationId, 1));
        Assert.Equal(ErrorCode.UnknownMemberId, await h.Commit("", -1, 1));
        await h.JoinNew();
        // Preparing: the current generation may still commit what it read; completing: not until it has its assignment.
        Assert.Equal(ErrorCode.None, await h.Commit(members[1].MemberId, members[1].GenerationId, 43));
        var rejoins = members.Select(m => h.Join(m.MemberId)).ToList();
        var next = await rejoins[0];
        Assert.Equal(GroupState.CompletingRebalance, h.State);
        Assert.Equal(ErrorCode.RebalanceInProgress, await h.Commit(next.MemberId, next.GenerationId, 44));
        Assert.Equal(ErrorCode.IllegalGeneration, await h.Commit(next.MemberId, members[0].GenerationId, 44));
        Assert.Equal(43, h.Committed());
    }

    [Fact]
    public async Task Commits_without_a_generation_make_a_simple_group_and_unknown_groups_refuse_generations()
    {
        var h = new GroupHarness();
        Assert.Equal(ErrorCode.IllegalGeneration, await h.Commit("m", 3, 1, version: 8));
        Assert.Equal(ErrorCode.GroupIdNotFound, await h.Commit("m", 3, 1, version: 9));
        Assert.Equal(ErrorCode.None, await h.Commit("", -1, 7));
        Assert.Equal(7, h.Committed());
        Assert.Equal(GroupState.Empty, h.State);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, await h.Commit("", -1, 7, topic: "missing"));
        var tooLong = await h.Coordinator.CommitOffsetsAsync(new OffsetCommitRequest
        {
            GroupId = GroupHarness.Group,
            Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 1, CommittedOffset = 1, CommittedMetadata = new string('x', 4097) }] }],
        }, 8);
        Assert.Equal((short)ErrorCode.OffsetMetadataTooLarge, tooLong.Topics[0].Partitions[0].ErrorCode);
    }

    [Fact]
    public async Task A_commit_that_cannot_be_stored_is_not_coordinator_and_changes_nothing()
    {
        var h = new GroupHarness();
        Assert.Equal(ErrorCode.None, await h.Commit("", -1, 5));
        h.Store.RefuseWith = ErrorCode.KafkaStorageError;
        Assert.Equal(ErrorCode.NotCoordinator, await h.Commit("", -1, 6));
        Assert.Equal(5, h.Committed());
    }

    [Fact]
    public async Task Fetch_returns_minus_one_for_uncommitted_partitions_and_everything_when_asked_for_all()
    {
        var h = new GroupHarness();
        await h.Commit("", -1, 3, partition: 0);
        await h.Commit("", -1, 4, partition: 2);
        var some = h.Coordinator.FetchOffsets(GroupHarness.Group, [("t", [0, 1])]);
        Assert.Equal([3L, -1L], some.Topics[0].Partitions.Select(p => p.CommittedOffset));
        var all = h.Coordinator.FetchOffsets(GroupHarness.Group, null);
        Assert.Equal([(0, 3L), (2, 4L)], all.Topics[0].Partitions.Select(p => (p.PartitionIndex, p.CommittedOffset)));
        Assert.Empty(h.Coordinator.FetchOffsets("unknown", null).Topics);
    }

    [Fact]
    public async Task Offsets_and_group_metadata_survive_a_restart_and_members_carry_on_in_their_generation()
    {
        var h = new GroupHarness();
        var members = await h.StableGroup(2);
        await h.Commit(members[0].MemberId, members[0].GenerationId, 11, partition: 0);
        await h.Commit(members[1].MemberId, members[1].GenerationId, 12, partition: 1);
        var restarted = h.Restart();
        Assert.Equal(GroupState.Stable, restarted.State);
        Assert.Equal(11, restarted.Committed(partition: 0));
        Assert.Equal(12, restarted.Committed(partition: 1));
        Assert.Equal(ErrorCode.None, restarted.Heartbeat(members[1].MemberId, members[1].GenerationId));
        var synced = await restarted.Sync(members[1]);
        Assert.Equal([1], synced.Assignment);
        // A member that does not come back within its session timeout after the restart is removed as usual.
        restarted.Time.Advance(5_000);
        Assert.Equal(ErrorCode.None, restarted.Heartbeat(members[1].MemberId, members[1].GenerationId));
        restarted.Time.Advance(5_000);
        Assert.Equal(ErrorCode.RebalanceInProgress, restarted.Heartbeat(members[1].MemberId, members[1].GenerationId));
    }

    [Fact]
    public async Task Deleting_offsets_and_groups()
    {
        var h = new GroupHarness();
        var members = await h.StableGroup(1);
        await h.Commit(members[0].MemberId, members[0].GenerationId, 5, topic: "t");
        await h.Commit(members[0].MemberId, members[0].GenerationId, 6, topic: "old");
        var deleted = h.Coordinator.DeleteOffsets(new OffsetDeleteRequest
        {
            GroupId = GroupHarness.Group,
            Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0 }] }, new() { Name = "old", Partitions = [new() { PartitionIndex = 0 }] }],
        });
        Assert.Equal([(short)ErrorCode.GroupSubscribedToTopic, (short)ErrorCode.None], deleted.Topics.Select(t => t.Partitions[0].ErrorCode));
        Assert.Equal(-1, h.Committed("old"));
        Assert.Equal(ErrorCode.NonEmptyGroup, h.Coordinator.DeleteGroup(GroupHarness.Group));
        h.Coordinator.Leave(GroupHarness.Group, [new() { MemberId = members[0].MemberId }]);
        Assert.Equal(ErrorCode.None, h.Coordinator.DeleteGroup(GroupHarness.Group));
        Assert.Equal(ErrorCode.GroupIdNotFound, h.Coordinator.DeleteGroup(GroupHarness.Group));
        Assert.Equal(GroupState.Dead, h.State);
        var restarted = h.Restart();
        Assert.Null(restarted.Coordinator.Find(GroupHarness.Group));
        Assert.Equal(-1, restarted.Committed());
    }

    [Fact]
    public async Task Offsets_expire_after_the_retention_once_the_group_is_empty_and_the_group_goes_with_them()
    {
        var h = new GroupHarness(new GroupCoordinatorConfig { InitialRebalanceDelayMs = 0, MinSessionTimeoutMs = 100, OffsetsRetentionMs = 60_000 });
        var members = await h.StableGroup(1, sessionMs: 1_000_000);
        await h.Commit(members[0].MemberId, members[0].GenerationId, 5);
        h.Time.Advance(120_000);
        Assert.Equal(0, h.Coordinator.ExpireOffsets());
        h.Coordinator.Leave(GroupHarness.Group, [new() { MemberId = members[0].MemberId }]);
        h.Time.Advance(59_999);
        Assert.Equal(0, h.Coordinator.ExpireOffsets());
        h.Time.Advance(1);
        Assert.Equal(1, h.Coordinator.ExpireOffsets());
        Assert.Null(h.Coordinator.Find(GroupHarness.Group));
        Assert.Null(h.Restart().Coordinator.Find(GroupHarness.Group));
    }

    [Fact]
    public async Task Describe_and_list_report_state_members_and_assignments()
    {
        var h = new GroupHarness();
        var members = await h.StableGroup(2);
        var described = h.Coordinator.Describe(GroupHarness.Group);
        Assert.Equal(("Stable", "consumer", "range"), (described.GroupState, described.ProtocolType, described.ProtocolData));
        Assert.Equal(members.Select(m => m.MemberId).Order(), described.Members.Select(m => m.MemberId).Order());
        Assert.All(described.Members, m => Assert.Equal(("client", "/127.0.0.1"), (m.ClientId, m.ClientHost)));
        Assert.Equal([(byte)0, (byte)1], described.Members.Select(m => m.MemberAssignment[0]).Order());
        Assert.Equal("Dead", h.Coordinator.Describe("unknown").GroupState);
        Assert.Single(h.Coordinator.List(["stable"], []).Groups);
        Assert.Empty(h.Coordinator.List(["Empty"], []).Groups);
        Assert.Empty(h.Coordinator.List([], ["consumer"]).Groups);
        Assert.Equal("classic", h.Coordinator.List([], ["Classic"]).Groups[0].GroupType);
    }
}
