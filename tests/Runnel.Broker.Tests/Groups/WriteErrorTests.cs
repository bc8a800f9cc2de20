using Runnel.Broker.Groups;
using Runnel.Protocol;

namespace Runnel.Broker.Tests.Groups;

/// <summary>A write to __consumer_offsets that fails reaches the client as Kafka's classic coordinator maps the partition's error.</summary>
public sealed class WriteErrorTests
{
    private static readonly TimeSpan Timeout = GroupHarness.LoadTimeout;

    [Theory]
    [InlineData(ErrorCode.NotLeaderOrFollower, ErrorCode.NotCoordinator)]
    [InlineData(ErrorCode.KafkaStorageError, ErrorCode.NotCoordinator)]
    [InlineData(ErrorCode.UnknownTopicOrPartition, ErrorCode.CoordinatorNotAvailable)]
    [InlineData(ErrorCode.NotEnoughReplicas, ErrorCode.CoordinatorNotAvailable)]
    public async Task A_commit_the_partition_refuses_answers_the_mapped_error_and_changes_nothing(ErrorCode refused, ErrorCode expected)
    {
        var h = new GroupHarness();
        Assert.Equal(ErrorCode.None, await h.Commit("", -1, 5));
        h.Store.RefuseWith = refused;
        Assert.Equal(expected, await h.Commit("", -1, 6));
        Assert.Equal(5, h.Committed());
    }

    [Theory]
    [InlineData(ErrorCode.NotEnoughReplicasAfterAppend, ErrorCode.CoordinatorNotAvailable)]
    [InlineData(ErrorCode.RequestTimedOut, ErrorCode.RequestTimedOut)]
    [InlineData(ErrorCode.NotLeaderOrFollower, ErrorCode.NotCoordinator)]
    [InlineData(ErrorCode.KafkaStorageError, ErrorCode.NotCoordinator)]
    public async Task A_commit_that_never_counts_answers_the_mapped_error(ErrorCode partitionError, ErrorCode expected)
    {
        var h = new GroupHarness();
        h.Store.DurableWith = partitionError;
        Assert.Equal(expected, await h.Commit("", -1, 6));
    }

    [Theory]
    [InlineData(ErrorCode.RequestTimedOut, ErrorCode.RebalanceInProgress)]
    [InlineData(ErrorCode.NotEnoughReplicasAfterAppend, ErrorCode.CoordinatorNotAvailable)]
    [InlineData(ErrorCode.NotLeaderOrFollower, ErrorCode.NotCoordinator)]
    public async Task An_assignment_that_is_not_stored_fails_every_sync_with_the_mapped_error_and_the_group_rebalances(ErrorCode partitionError, ErrorCode expected)
    {
        var h = new GroupHarness();
        var a = await h.JoinNew();
        var b = await h.JoinNew();
        h.Time.Advance(0);
        var (ra, rb) = (await a, await b);
        var (leader, follower) = ra.Leader == ra.MemberId ? (ra, rb) : (rb, ra);
        var followerSync = h.Sync(follower);
        h.Store.DurableWith = partitionError;
        var leaderSync = await h.Sync(leader, (leader.MemberId, [1]), (follower.MemberId, [2]));
        Assert.Equal((short)expected, leaderSync.ErrorCode);
        Assert.Equal((short)expected, (await followerSync.WaitAsync(Timeout)).ErrorCode);
        Assert.Equal(GroupState.PreparingRebalance, h.State);
    }

    [Fact]
    public async Task A_static_member_whose_rejoin_is_not_stored_keeps_its_old_identity_and_gets_the_mapped_error()
    {
        var h = new GroupHarness();
        var joining = h.Join(instanceId: "i1");
        h.Time.Advance(0);
        var joined = await joining;
        await h.Sync(joined, (joined.MemberId, [1]));
        h.Store.DurableWith = ErrorCode.RequestTimedOut;
        var rejoined = await h.Join(instanceId: "i1").WaitAsync(Timeout);
        Assert.Equal((short)ErrorCode.RebalanceInProgress, rejoined.ErrorCode);
        Assert.Equal(ErrorCode.None, h.Heartbeat(joined.MemberId, joined.GenerationId, "i1"));
    }

    [Theory]
    [InlineData(ErrorCode.MessageTooLarge, ErrorCode.InvalidCommitOffsetSize, ErrorCode.UnknownServerError)]
    [InlineData(ErrorCode.RecordListTooLarge, ErrorCode.InvalidCommitOffsetSize, ErrorCode.UnknownServerError)]
    [InlineData(ErrorCode.NotEnoughReplicas, ErrorCode.CoordinatorNotAvailable, ErrorCode.CoordinatorNotAvailable)]
    [InlineData(ErrorCode.RequestTimedOut, ErrorCode.RequestTimedOut, ErrorCode.RebalanceInProgress)]
    [InlineData(ErrorCode.KafkaStorageError, ErrorCode.NotCoordinator, ErrorCode.NotCoordinator)]
    public void The_mapping_follows_kafkas_classic_coordinator(ErrorCode partitionError, ErrorCode forCommit, ErrorCode forGroupMetadata)
        => Assert.Equal((forCommit, forGroupMetadata), (GroupWriteErrors.ForCommit(partitionError), GroupWriteErrors.ForGroupMetadata(partitionError)));
}
