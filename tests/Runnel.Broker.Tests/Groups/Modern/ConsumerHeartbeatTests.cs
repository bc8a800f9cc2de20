using System.Collections.Immutable;
using Runnel.Broker.Groups;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Tests.Groups.Modern;

/// <summary>ConsumerGroupHeartbeat driven on the coordinator: epochs, revocation before reassignment, leave, timeouts, offsets and reload.</summary>
public sealed class ConsumerHeartbeatTests
{
    private static readonly Guid TopicId = new("00000000-0000-0000-0000-0000000000c1");

    private static TopicsImage Topics(params (string Name, Guid Id, int Partitions)[] topics)
    {
        var byId = ImmutableDictionary.CreateBuilder<Guid, TopicImage>();
        var byName = ImmutableSortedDictionary.CreateBuilder<string, TopicImage>(StringComparer.Ordinal);
        foreach (var (name, id, count) in topics)
        {
            var image = new TopicImage(name, id, ImmutableSortedDictionary.CreateRange(Enumerable.Range(0, count)
                .Select(p => KeyValuePair.Create(p, new PartitionImage(p, [1], [1], 1, 0, 0)))));
            byId[id] = image;
            byName[name] = image;
        }
        return new TopicsImage(byId.ToImmutable(), byName.ToImmutable());
    }

    private static GroupHarness Harness(GroupHarness? from = null)
    {
        var harness = from?.Restart() ?? new GroupHarness(new GroupCoordinatorConfig { InitialRebalanceDelayMs = 0, MinSessionTimeoutMs = 100, ConsumerSessionTimeoutMs = 1_000, ConsumerHeartbeatIntervalMs = 100 });
        var topics = Topics(("t", TopicId, 4));
        harness.Coordinator.TopicsSource = () => topics;
        return harness;
    }

    private static Task<ConsumerGroupHeartbeatResponse> Beat(GroupHarness h, string memberId, int epoch, int[]? owned = null, string? instanceId = null, bool join = false)
        => h.Coordinator.ConsumerGroupHeartbeatAsync(new ConsumerGroupHeartbeatRequest
        {
            GroupId = GroupHarness.Group,
            MemberId = memberId,
            MemberEpoch = epoch,
            InstanceId = instanceId,
            RebalanceTimeoutMs = join ? 5_000 : -1,
            SubscribedTopicNames = join ? ["t"] : null,
            TopicPartitions = owned is null ? (join ? [] : null) : [new() { TopicId = TopicId, Partitions = [.. owned] }],
        }, new GroupClient("client", "/127.0.0.1", 1));

    private static int[] Assigned(ConsumerGroupHeartbeatResponse r) => [.. r.Assignment!.TopicPartitions.SelectMany(t => t.Partitions).Order()];

    [Fact]
    public async Task A_second_member_gets_partitions_only_after_the_first_revoked_them()
    {
        var h = Harness();
        var a = await Beat(h, "a", 0, join: true);
        Assert.Equal(0, a.ErrorCode);
        Assert.Equal(1, a.MemberEpoch);
        Assert.Equal([0, 1, 2, 3], Assigned(a));
        Assert.Equal(100, a.HeartbeatIntervalMs);

        var b = await Beat(h, "b", 0, join: true);
        Assert.Equal(2, b.MemberEpoch);
        // b's target partitions are still a's: b gets none yet.
        Assert.Empty(Assigned(b));

        // a is asked to revoke two (same epoch), keeps owning them until it says it let them go.
        var revoke = await Beat(h, "a", 1, owned: [0, 1, 2, 3]);
        Assert.Equal(1, revoke.MemberEpoch);
        var kept = Assigned(revoke);
        Assert.Equal(2, kept.Length);
        // Nothing changed for b: no assignment in the reply.
        Assert.Null((await Beat(h, "b", 2, owned: [])).Assignment);

        var revoked = await Beat(h, "a", 1, owned: kept);
        Assert.Equal(2, revoked.MemberEpoch);
        var bNow = await Beat(h, "b", 2, owned: []);
        Assert.Equal(2, bNow.MemberEpoch);
        Assert.Equal([.. Enumerable.Range(0, 4).Except(kept)], Assigned(bNow));
    }

    [Fact]
    public async Task Wrong_epochs_are_fenced_and_commits_need_the_current_member_epoch()
    {
        var h = Harness();
        var a = await Beat(h, "a", 0, join: true);
        Assert.Equal((short)ErrorCode.FencedMemberEpoch, (await Beat(h, "a", 5, owned: [])).ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownMemberId, (await Beat(h, "nobody", 1, owned: [])).ErrorCode);

        Assert.Equal(ErrorCode.None, await h.Commit("a", a.MemberEpoch, 10, version: 9));
        Assert.Equal(ErrorCode.StaleMemberEpoch, await h.Commit("a", a.MemberEpoch + 1, 10, version: 9));
        Assert.Equal(ErrorCode.UnknownMemberId, await h.Commit("x", a.MemberEpoch, 10, version: 9));
        Assert.Equal(ErrorCode.UnsupportedVersion, await h.Commit("a", a.MemberEpoch, 10, version: 8));
        Assert.Equal(ErrorCode.StaleMemberEpoch, h.Coordinator.ValidateOffsetFetch(GroupHarness.Group, "a", 0));
        Assert.Equal(10, h.Committed());
    }

    [Fact]
    public async Task Leaving_frees_the_partitions_and_a_silent_member_is_fenced_after_its_session()
    {
        var h = Harness();
        await Beat(h, "a", 0, join: true);
        var b = await Beat(h, "b", 0, join: true);
        var left = await Beat(h, "a", -1);
        Assert.Equal(-1, left.MemberEpoch);
        var bAll = await Beat(h, "b", b.MemberEpoch, owned: []);
        Assert.Equal([0, 1, 2, 3], Assigned(bAll));

        var c = await Beat(h, "c", 0, join: true);
        h.Time.Advance(600);
        await Beat(h, "b", bAll.MemberEpoch, owned: [0, 1, 2, 3]);
        h.Time.Advance(600);
        // c never heartbeat again: it is gone, b is asked for everything back.
        var described = h.Coordinator.DescribeConsumerGroup(GroupHarness.Group);
        Assert.Equal(["b"], described.Members.Select(m => m.MemberId));
        Assert.True(described.GroupEpoch > c.MemberEpoch);
    }

    [Fact]
    public async Task A_static_member_that_leaves_for_a_while_keeps_its_partitions_for_its_replacement()
    {
        var h = Harness();
        var a = await Beat(h, "a1", 0, instanceId: "i", join: true);
        Assert.Equal([0, 1, 2, 3], Assigned(a));
        Assert.Equal((short)ErrorCode.UnreleasedInstanceId, (await Beat(h, "other", 0, instanceId: "i", join: true)).ErrorCode);
        Assert.Equal(-2, (await Beat(h, "a1", -2, instanceId: "i")).MemberEpoch);
        var back = await Beat(h, "a2", 0, instanceId: "i", join: true);
        Assert.Equal(0, back.ErrorCode);
        Assert.Equal([0, 1, 2, 3], Assigned(back));
        Assert.Equal((short)ErrorCode.FencedInstanceId, (await Beat(h, "a1", a.MemberEpoch, owned: [], instanceId: "i")).ErrorCode);
    }

    [Fact]
    public async Task The_group_reloads_from_its_records_with_epochs_and_assignments()
    {
        var h = Harness();
        await Beat(h, "a", 0, join: true);
        var b = await Beat(h, "b", 0, join: true);
        var before = h.Coordinator.DescribeConsumerGroup(GroupHarness.Group);

        var reloaded = Harness(h);
        var after = reloaded.Coordinator.DescribeConsumerGroup(GroupHarness.Group);
        Assert.Equal(0, after.ErrorCode);
        Assert.Equal(before.GroupEpoch, after.GroupEpoch);
        Assert.Equal(before.AssignmentEpoch, after.AssignmentEpoch);
        Assert.Equal(before.Members.Select(m => (m.MemberId, m.MemberEpoch, string.Join(',', m.Assignment.TopicPartitions.SelectMany(t => t.Partitions)),
            string.Join(',', m.TargetAssignment.TopicPartitions.SelectMany(t => t.Partitions)))).Order(),
            after.Members.Select(m => (m.MemberId, m.MemberEpoch, string.Join(',', m.Assignment.TopicPartitions.SelectMany(t => t.Partitions)),
            string.Join(',', m.TargetAssignment.TopicPartitions.SelectMany(t => t.Partitions)))).Order());
        // The member carries on with its epoch.
        Assert.Equal(0, (await Beat(reloaded, "b", b.MemberEpoch, owned: [])).ErrorCode);
        var (_, listed) = reloaded.Coordinator.List([], ["consumer"]);
        Assert.Equal("consumer", Assert.Single(listed).GroupType);
        Assert.Empty(reloaded.Coordinator.List([], ["classic"]).Groups);
    }

    [Fact]
    public async Task A_classic_member_cannot_join_a_consumer_group_and_a_consumer_member_cannot_join_a_classic_one()
    {
        var h = Harness();
        await Beat(h, "a", 0, join: true);
        var join = await h.Join(version: 9);
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, join.ErrorCode);

        var classic = Harness();
        await classic.StableGroup(1);
        var refused = await Beat(classic, "x", 0, join: true);
        Assert.Equal((short)ErrorCode.GroupIdNotFound, refused.ErrorCode);
        Assert.Equal($"Group {GroupHarness.Group} is not a consumer group.", refused.ErrorMessage);
    }
}
