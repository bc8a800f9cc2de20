using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Tests;

/// <summary>
/// The controller's decisions for the partition admin APIs, as Kafka's KRaft controller makes them: ElectLeaders'
/// outcomes and errors, reassignments started, completed by the AlterPartition that brings every target replica in
/// sync (moving the leader off a removed replica) and cancelled, and refusals that change nothing.
/// </summary>
public sealed class PartitionAdminDecisionTests
{
    private static readonly Dictionary<string, string> NoConfigs = [];

    private static readonly MetadataImage FiveBrokers = ImageTests.Replay(MetadataImage.Empty,
        ControlManagerTests.Register(1), ControlManagerTests.Register(2), ControlManagerTests.Register(3), ControlManagerTests.Register(4), ControlManagerTests.Register(5));

    private static MetadataImage Commit<T>(MetadataImage image, ControllerResult<T> result) => ImageTests.Replay(image, [.. result.Records]);

    private static MetadataImage WithTopic(MetadataImage image, string name, params int[][] assignments)
        => Commit(image, ReplicationControlManager.CreateTopic(image, new NewTopic(name, assignments.Length, (short)assignments[0].Length, NoConfigs,
            [.. assignments.Select(a => (IReadOnlyList<int>)a)]), Guid.NewGuid));

    private static PartitionImage Partition(MetadataImage image, string topic, int partition = 0) => image.Topics.Find(topic)!.Partitions[partition];

    private static ControllerResult<AlterPartitionReassignmentsResponse> Reassign(MetadataImage image, string topic, int partition, int[]? replicas,
        ReplicationPolicy? policy = null)
        => ReplicationControlManager.AlterPartitionReassignments(image, new AlterPartitionReassignmentsRequest
        {
            Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = partition, Replicas = replicas is null ? null : [.. replicas] }] }],
        }, policy ?? ReplicationPolicy.Default);

    private static ErrorCode ErrorOf(ControllerResult<AlterPartitionReassignmentsResponse> result)
        => (ErrorCode)Assert.Single(Assert.Single(result.Response.Responses).Partitions).ErrorCode;

    /// <summary>The partition's leader asks to set its ISR (AlterPartition v3); the error and the image after.</summary>
    private static (ErrorCode Error, MetadataImage After) AlterIsr(MetadataImage image, string topic, int[] isr)
    {
        var p = Partition(image, topic);
        var request = new AlterPartitionRequest
        {
            BrokerId = p.Leader,
            BrokerEpoch = -1,
            Topics = [new() { TopicId = image.Topics.Find(topic)!.Id, Partitions = [new() { PartitionIndex = 0, LeaderEpoch = p.LeaderEpoch, PartitionEpoch = p.PartitionEpoch,
                NewIsrWithEpochs = [.. isr.Select(id => new AlterPartitionRequest.BrokerState { BrokerId = id, BrokerEpoch = -1 })] }] }],
        };
        var result = ReplicationControlManager.AlterPartition(image, request, 3, ReplicationPolicy.Default);
        return ((ErrorCode)result.Response.Topics[0].Partitions[0].ErrorCode, Commit(image, result));
    }

    [Fact]
    public void Preferred_election_moves_leadership_back_and_reports_kafkas_errors()
    {
        var image = WithTopic(FiveBrokers, "t", [1, 2, 3], [2, 3, 1]);
        Assert.Equal(ErrorCode.ElectionNotNeeded, ReplicationDecisionTests.Elect(image, LeaderElection.Preferred, "t").Error);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, ReplicationDecisionTests.Elect(image, LeaderElection.Preferred, "t", 7).Error);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, ReplicationDecisionTests.Elect(image, LeaderElection.Preferred, "nope").Error);

        // Broker 1 fenced: it leaves the ISR and leadership moves; it cannot be elected while out of the ISR or fenced.
        var fenced = Commit(image, ClusterControlManager.FenceExpired(image, 1, 1));
        Assert.Equal(2, Partition(fenced, "t").Leader);
        var refused = ReplicationDecisionTests.Elect(fenced, LeaderElection.Preferred, "t");
        Assert.Equal(ErrorCode.PreferredLeaderNotAvailable, refused.Error);
        Assert.Equal(Partition(fenced, "t"), Partition(refused.After, "t"));
        var back = Commit(fenced, ClusterControlManager.Heartbeat(fenced, new BrokerHeartbeat(1, 1, 1000, false, false), 0));
        Assert.Equal(ErrorCode.PreferredLeaderNotAvailable, ReplicationDecisionTests.Elect(back, LeaderElection.Preferred, "t").Error);

        // Back in the ISR: the preferred election commits a new leader in a new leader epoch.
        var inSync = AlterIsr(back, "t", [2, 3, 1]).After;
        var before = Partition(inSync, "t");
        var (error, after) = ReplicationDecisionTests.Elect(inSync, LeaderElection.Preferred, "t");
        Assert.Equal(ErrorCode.None, error);
        Assert.Equal(1, Partition(after, "t").Leader);
        Assert.Equal(before.LeaderEpoch + 1, Partition(after, "t").LeaderEpoch);
    }

    [Fact]
    public void Electing_every_partition_leaves_out_those_that_need_no_election()
    {
        var image = WithTopic(WithTopic(FiveBrokers, "a", [1, 2], [2, 1]), "b", [1, 3]);
        image = Commit(image, ClusterControlManager.FenceExpired(image, 1, 1));
        image = Commit(image, ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(1, 1, 1000, false, false), 0));
        image = AlterIsr(image, "a", [2, 1]).After;
        var result = ReplicationControlManager.ElectLeaders(image, LeaderElection.Preferred, null);
        // a-0 is elected, a-1 needs nothing (left out), b-0's preferred replica is not in sync.
        Assert.Equal(["a", "b"], result.Response.ReplicaElectionResults.Select(r => r.Topic));
        var a = Assert.Single(result.Response.ReplicaElectionResults[0].PartitionResult);
        Assert.Equal((0, (short)0), (a.PartitionId, a.ErrorCode));
        var b = Assert.Single(result.Response.ReplicaElectionResults[1].PartitionResult);
        Assert.Equal((short)ErrorCode.PreferredLeaderNotAvailable, b.ErrorCode);
        Assert.Single(result.Records);
        Assert.Equal(1, Partition(Commit(image, result), "a").Leader);
    }

    [Fact]
    public void Unclean_election_needs_a_leaderless_partition_and_a_live_replica()
    {
        var image = WithTopic(FiveBrokers, "t", [1, 2]);
        Assert.Equal(ErrorCode.ElectionNotNeeded, ReplicationDecisionTests.Elect(image, LeaderElection.Unclean, "t").Error);
        image = AlterIsr(image, "t", [1]).After;
        foreach (var id in new[] { 1, 2 })
            image = Commit(image, ClusterControlManager.FenceExpired(image, id, 1));
        Assert.Equal(-1, Partition(image, "t").Leader);
        var none = ReplicationDecisionTests.Elect(image, LeaderElection.Unclean, "t");
        Assert.Equal(ErrorCode.EligibleLeadersNotAvailable, none.Error);
        Assert.Equal(Partition(image, "t"), Partition(none.After, "t"));
        // Broker 2 returns out of sync: an unclean election makes it the leader and the whole ISR.
        image = Commit(image, ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(2, 1, 1000, false, false), 0));
        Assert.Equal(-1, Partition(image, "t").Leader);
        var (error, after) = ReplicationDecisionTests.Elect(image, LeaderElection.Unclean, "t");
        Assert.Equal(ErrorCode.None, error);
        Assert.Equal(2, Partition(after, "t").Leader);
        Assert.Equal([2], Partition(after, "t").Isr.ToArray());
    }

    [Fact]
    public void A_reassignment_starts_with_the_union_and_completes_when_the_targets_are_in_sync()
    {
        var image = WithTopic(FiveBrokers, "t", [1, 2, 3]);
        var started = Reassign(image, "t", 0, [4, 5, 1]);
        Assert.Equal(ErrorCode.None, ErrorOf(started));
        image = Commit(image, started);
        var moving = Partition(image, "t");
        Assert.Equal([4, 5, 1, 2, 3], moving.Replicas.ToArray());
        Assert.Equal([4, 5], moving.Adding.ToArray());
        Assert.Equal([2, 3], moving.Removing.ToArray());
        Assert.Equal([1, 2, 3], moving.Isr.ToArray());
        Assert.Equal(1, moving.Leader);
        var listed = ReplicationControlManager.ListPartitionReassignments(image, null);
        var ongoing = Assert.Single(Assert.Single(listed.Topics).Partitions);
        Assert.Equal([4, 5, 1, 2, 3], ongoing.Replicas);
        Assert.Equal([4, 5], ongoing.AddingReplicas);
        Assert.Equal([2, 3], ongoing.RemovingReplicas);

        // One new replica in sync: still moving.
        image = AlterIsr(image, "t", [1, 2, 3, 4]).After;
        Assert.True(Partition(image, "t").IsReassigning);
        // Both: the target is in force, the removed replicas leave the ISR, and a new leader epoch fences them.
        var (error, done) = AlterIsr(image, "t", [1, 2, 3, 4, 5]);
        Assert.Equal(ErrorCode.None, error);
        var complete = Partition(done, "t");
        Assert.Equal([4, 5, 1], complete.Replicas.ToArray());
        Assert.Equal([1, 4, 5], complete.Isr.ToArray());
        Assert.False(complete.IsReassigning);
        Assert.Equal(1, complete.Leader);
        Assert.Equal(moving.LeaderEpoch + 1, complete.LeaderEpoch);
        Assert.Empty(ReplicationControlManager.ListPartitionReassignments(done, null).Topics);
    }

    [Fact]
    public void Completing_a_reassignment_moves_the_leader_off_a_removed_replica()
    {
        var image = WithTopic(FiveBrokers, "t", [1, 2, 3]);
        image = Commit(image, Reassign(image, "t", 0, [4, 2, 3]));
        Assert.Equal(1, Partition(image, "t").Leader);
        var (error, done) = AlterIsr(image, "t", [1, 2, 3, 4]);
        // The sender led; the completion took that away (Kafka's NEW_LEADER_ELECTED for AlterPartition v2+).
        Assert.Equal(ErrorCode.NewLeaderElected, error);
        var complete = Partition(done, "t");
        Assert.Equal([4, 2, 3], complete.Replicas.ToArray());
        Assert.Equal(4, complete.Leader);
        Assert.DoesNotContain(1, complete.Isr);
    }

    [Fact]
    public void A_reorder_or_shrink_completes_at_once_and_a_cancel_reverts()
    {
        var image = WithTopic(FiveBrokers, "t", [1, 2, 3]);
        var reordered = Commit(image, Reassign(image, "t", 0, [3, 1, 2]));
        Assert.Equal([3, 1, 2], Partition(reordered, "t").Replicas.ToArray());
        Assert.False(Partition(reordered, "t").IsReassigning);
        var shrunk = Commit(image, Reassign(image, "t", 0, [1, 2]));
        Assert.Equal([1, 2], Partition(shrunk, "t").Replicas.ToArray());
        Assert.Equal([1, 2], Partition(shrunk, "t").Isr.ToArray());

        var moving = Commit(image, Reassign(image, "t", 0, [4, 1, 2]));
        moving = AlterIsr(moving, "t", [1, 2, 3]).After;
        var cancel = Reassign(moving, "t", 0, null);
        Assert.Equal(ErrorCode.None, ErrorOf(cancel));
        var reverted = Partition(Commit(moving, cancel), "t");
        Assert.Equal([1, 2, 3], reverted.Replicas.Order());
        Assert.False(reverted.IsReassigning);
        Assert.Equal(1, reverted.Leader);
        var again = Reassign(Commit(moving, cancel), "t", 0, null);
        Assert.Equal(ErrorCode.NoReassignmentInProgress, ErrorOf(again));
        Assert.Empty(again.Records);
    }

    [Fact]
    public void Invalid_reassignments_are_refused_and_change_nothing()
    {
        var image = WithTopic(FiveBrokers, "t", [1, 2, 3]);
        Assert.Equal(ErrorCode.InvalidReplicaAssignment, ErrorOf(Reassign(image, "t", 0, [1, 2, 9])));
        Assert.Equal(ErrorCode.InvalidReplicaAssignment, ErrorOf(Reassign(image, "t", 0, [])));
        Assert.Equal(ErrorCode.InvalidReplicaAssignment, ErrorOf(Reassign(image, "t", 0, [4, 4, 1])));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, ErrorOf(Reassign(image, "t", 3, [1, 2, 3])));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, ErrorOf(Reassign(image, "nope", 0, [1, 2, 3])));
        Assert.Equal(ErrorCode.NoReassignmentInProgress, ErrorOf(Reassign(image, "t", 0, null)));
        foreach (var replicas in new int[]?[] { [1, 2, 9], [], [4, 4, 1], null })
            Assert.Empty(Reassign(image, "t", 0, replicas).Records);

        // In one request, a refused partition does not stop a valid one (each is decided alone).
        var mixed = ReplicationControlManager.AlterPartitionReassignments(image, new AlterPartitionReassignmentsRequest
        {
            Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, Replicas = [9] }, new() { PartitionIndex = 5, Replicas = [1] }] }],
        }, ReplicationPolicy.Default);
        Assert.All(mixed.Response.Responses[0].Partitions, p => Assert.NotEqual(0, p.ErrorCode));
        Assert.Empty(mixed.Records);
    }

    [Fact]
    public void A_cancel_that_needs_an_unclean_election_is_refused_unless_the_topic_allows_it()
    {
        var image = WithTopic(FiveBrokers, "t", [1, 2]);
        image = Commit(image, Reassign(image, "t", 0, [3, 4]));
        image = AlterIsr(image, "t", [1, 2, 3]).After;
        foreach (var id in new[] { 1, 2 })
            image = Commit(image, ClusterControlManager.FenceExpired(image, id, 1));
        Assert.Equal([3], Partition(image, "t").Isr.ToArray());
        var refused = Reassign(image, "t", 0, null);
        Assert.Equal(ErrorCode.InvalidReplicaAssignment, ErrorOf(refused));
        Assert.Empty(refused.Records);
        var allowed = Reassign(image, "t", 0, null, new ReplicationPolicy((_, _) => true));
        Assert.Equal(ErrorCode.None, ErrorOf(allowed));
        var reverted = Partition(Commit(image, allowed), "t");
        Assert.Equal([1, 2], reverted.Replicas.ToArray());
        Assert.Equal([1], reverted.Isr.ToArray());
    }

    [Fact]
    public void Rebalance_moves_the_partitions_of_brokers_above_the_imbalance_percentage()
    {
        var image = WithTopic(FiveBrokers, "t", [1, 2], [1, 3], [2, 1], [3, 1]);
        image = Commit(image, ClusterControlManager.FenceExpired(image, 1, 1));
        image = Commit(image, ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(1, 1, 1000, false, false), 0));
        Assert.Equal(2, Partition(image, "t", 0).Leader);
        Assert.Equal(3, Partition(image, "t", 1).Leader);
        // Broker 1 prefers two partitions and leads neither (100 %), but only t-0 has it back in its ISR.
        var t0 = Partition(image, "t", 0);
        var isrRequest = new AlterPartitionRequest
        {
            BrokerId = 2,
            BrokerEpoch = -1,
            Topics = [new() { TopicId = image.Topics.Find("t")!.Id, Partitions = [new() { PartitionIndex = 0, LeaderEpoch = t0.LeaderEpoch, PartitionEpoch = t0.PartitionEpoch,
                NewIsrWithEpochs = [new() { BrokerId = 2, BrokerEpoch = -1 }, new() { BrokerId = 1, BrokerEpoch = -1 }] }] }],
        };
        image = Commit(image, ReplicationControlManager.AlterPartition(image, isrRequest, 3, ReplicationPolicy.Default));

        // Not above 100 %: nothing moves.
        Assert.Empty(ReplicationControlManager.RebalanceLeaders(image, imbalancePercentage: 100).Records);
        var rebalance = ReplicationControlManager.RebalanceLeaders(image, imbalancePercentage: 10);
        Assert.Equal(1, rebalance.Response);
        var after = Commit(image, rebalance);
        Assert.Equal(1, Partition(after, "t", 0).Leader);
        Assert.Equal(3, Partition(after, "t", 1).Leader);
        Assert.Empty(ReplicationControlManager.RebalanceLeaders(after).Records);

        // A partition being reassigned is left alone.
        var reassigning = Commit(image, Reassign(image, "t", 0, [1, 2, 4]));
        Assert.Empty(ReplicationControlManager.RebalanceLeaders(reassigning).Records);
    }
}
