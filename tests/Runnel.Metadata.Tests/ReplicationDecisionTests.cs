using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Tests;

/// <summary>
/// The controller's replication decisions as Kafka makes them: placement, AlterPartition's validation order and
/// commit, leadership moving off a fenced broker (the ISR never empty) and onto a returning one, controlled shutdown
/// through heartbeats, and elections.
/// </summary>
public sealed class ReplicationDecisionTests
{
    private static readonly Dictionary<string, string> NoConfigs = [];
    private static readonly int[] ThreeIds = [1, 2, 3];

    private static MetadataImage Commit<T>(MetadataImage image, ControllerResult<T> result) => ImageTests.Replay(image, [.. result.Records]);

    private static MetadataImage WithTopic(MetadataImage image, string name, int partitions, short factor)
        => Commit(image, ReplicationControlManager.CreateTopic(image, new NewTopic(name, partitions, factor, NoConfigs), Guid.NewGuid));

    private static PartitionImage Partition(MetadataImage image, string topic, int partition = 0) => image.Topics.Find(topic)!.Partitions[partition];

    private static AlterPartitionRequest Alter(MetadataImage image, int broker, string topic, int[] isr, int? leaderEpoch = null, int? partitionEpoch = null, long brokerEpoch = 1)
    {
        var p = Partition(image, topic);
        return new AlterPartitionRequest
        {
            BrokerId = broker,
            BrokerEpoch = brokerEpoch,
            Topics = [new() { TopicId = image.Topics.Find(topic)!.Id, Partitions = [new() { PartitionIndex = 0, LeaderEpoch = leaderEpoch ?? p.LeaderEpoch, PartitionEpoch = partitionEpoch ?? p.PartitionEpoch,
                NewIsrWithEpochs = [.. isr.Select(id => new AlterPartitionRequest.BrokerState { BrokerId = id, BrokerEpoch = -1 })] }] }],
        };
    }

    /// <summary>ElectLeaders for one partition: its error and the image after the commit.</summary>
    internal static (ErrorCode Error, MetadataImage After) Elect(MetadataImage image, LeaderElection election, string topic, int partition = 0)
    {
        var result = ReplicationControlManager.ElectLeaders(image, election, [new() { Topic = topic, Partitions = [partition] }]);
        var only = Assert.Single(Assert.Single(result.Response.ReplicaElectionResults).PartitionResult);
        Assert.Equal(partition, only.PartitionId);
        return ((ErrorCode)only.ErrorCode, Commit(image, result));
    }

    private static (ErrorCode TopLevel, ErrorCode Partition, MetadataImage After) Decide(MetadataImage image, AlterPartitionRequest request)
    {
        var result = ReplicationControlManager.AlterPartition(image, request, 3, ReplicationPolicy.Default);
        var partition = result.Response.Topics.SelectMany(t => t.Partitions).SingleOrDefault();
        return ((ErrorCode)result.Response.ErrorCode, (ErrorCode)(partition?.ErrorCode ?? 0), Commit(image, result));
    }

    [Fact]
    public void Placement_spreads_leaders_and_refuses_more_replicas_than_brokers()
    {
        var image = WithTopic(ControlManagerTests.ThreeBrokers, "t", 6, 3);
        var topic = image.Topics.Find("t")!;
        Assert.Equal([1, 2, 3, 1, 2, 3], topic.Partitions.Values.Select(p => p.Leader));
        Assert.All(topic.Partitions.Values, p => Assert.Equal([1, 2, 3], p.Replicas.Order().ToArray()));
        Assert.All(topic.Partitions.Values, p => Assert.Equal(p.Replicas.ToArray(), p.Isr.ToArray()));
        var tooMany = ReplicationControlManager.CreateTopic(image, new NewTopic("u", 1, 4, NoConfigs), Guid.NewGuid);
        Assert.Equal(ErrorCode.InvalidReplicationFactor, tooMany.Response.Error.Error);
        Assert.Contains("only 3 broker(s) are registered", tooMany.Response.Error.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCode.InvalidReplicationFactor, ReplicationControlManager.CreateTopic(MetadataImage.Empty, new NewTopic("u", 1, 1, NoConfigs), Guid.NewGuid).Response.Error.Error);
    }

    [Fact]
    public void Placement_puts_replicas_on_distinct_racks_and_leaders_on_unfenced_brokers()
    {
        var image = ImageTests.Replay(MetadataImage.Empty, ControlManagerTests.Register(1, "a"), ControlManagerTests.Register(2, "a"), ControlManagerTests.Register(3, "b"),
            ControlManagerTests.Register(4, "b"), ControlManagerTests.Register(5, "c", fenced: true));
        var topic = WithTopic(image, "t", 8, 2).Topics.Find("t")!;
        var rack = new Dictionary<int, string> { [1] = "a", [2] = "a", [3] = "b", [4] = "b", [5] = "c" };
        Assert.All(topic.Partitions.Values, p => Assert.Equal(2, p.Replicas.Select(r => rack[r]).Distinct().Count()));
        Assert.All(topic.Partitions.Values, p => Assert.NotEqual(5, p.Leader));
        // A fenced broker may hold a replica but is not in the ISR of a new partition.
        var wide = WithTopic(image, "w", 2, 5).Topics.Find("w")!;
        Assert.All(wide.Partitions.Values, p => Assert.DoesNotContain(5, p.Isr));
    }

    [Fact]
    public void AlterPartition_validates_in_kafkas_order()
    {
        var image = WithTopic(ControlManagerTests.ThreeBrokers, "t", 1, 3);
        var leader = Partition(image, "t").Leader;
        Assert.Equal(ErrorCode.StaleBrokerEpoch, Decide(image, Alter(image, leader, "t", [1, 2, 3], brokerEpoch: 7)).TopLevel);
        Assert.Equal(ErrorCode.NotController, Decide(image, Alter(image, leader, "t", [1, 2, 3], leaderEpoch: 5)).Partition);
        Assert.Equal(ErrorCode.InvalidRequest, Decide(image, Alter(image, leader % 3 + 1, "t", [1, 2, 3])).Partition);
        Assert.Equal(ErrorCode.InvalidRequest, Decide(image, Alter(image, leader, "t", [.. ThreeIds.Where(b => b != leader)])).Partition);
        Assert.Equal(ErrorCode.InvalidRequest, Decide(image, Alter(image, leader, "t", [leader, 9])).Partition);

        // A shrink commits with a new partition epoch and the same leader epoch.
        var shrink = Decide(image, Alter(image, leader, "t", [leader]));
        Assert.Equal(ErrorCode.None, shrink.Partition);
        Assert.Equal([leader], Partition(shrink.After, "t").Isr.ToArray());
        Assert.Equal((0, 1), (Partition(shrink.After, "t").LeaderEpoch, Partition(shrink.After, "t").PartitionEpoch));
        // The old proposal is now stale.
        Assert.Equal(ErrorCode.InvalidUpdateVersion, Decide(shrink.After, Alter(shrink.After, leader, "t", [1, 2, 3], partitionEpoch: 0)).Partition);
        // A fenced member may not join.
        var fenced = Commit(shrink.After, ClusterControlManager.FenceExpired(shrink.After, leader % 3 + 1, 1));
        Assert.Equal(ErrorCode.IneligibleReplica, Decide(fenced, Alter(fenced, leader, "t", [1, 2, 3])).Partition);
    }

    [Fact]
    public void A_fenced_leader_hands_over_to_an_in_sync_replica_and_the_last_one_keeps_its_isr_place()
    {
        var image = WithTopic(ControlManagerTests.ThreeBrokers, "t", 1, 3);
        var p = Partition(image, "t");
        var fenced = Commit(image, ClusterControlManager.FenceExpired(image, p.Leader, 1));
        var moved = Partition(fenced, "t");
        Assert.NotEqual(p.Leader, moved.Leader);
        Assert.DoesNotContain(p.Leader, moved.Isr);
        Assert.Equal(p.LeaderEpoch + 1, moved.LeaderEpoch);

        // Fence the other two: the last in-sync replica stays in the ISR, with no leader.
        foreach (var id in moved.Isr.ToList())
            fenced = Commit(fenced, ClusterControlManager.FenceExpired(fenced, id, 1));
        var orphan = Partition(fenced, "t");
        Assert.Equal(-1, orphan.Leader);
        Assert.Single(orphan.Isr);

        // The last one returns (unfenced by its heartbeat): it leads again; the others are not put back in the ISR.
        var last = orphan.Isr[0];
        var back = Commit(fenced, ClusterControlManager.Heartbeat(fenced, new BrokerHeartbeat(last, 1, 1000, false, false), 0));
        Assert.Equal(last, Partition(back, "t").Leader);
        Assert.Equal([last], Partition(back, "t").Isr.ToArray());
    }

    [Fact]
    public void Unclean_election_picks_an_out_of_sync_replica_only_when_allowed()
    {
        var image = WithTopic(ControlManagerTests.ThreeBrokers, "t", 1, 3);
        var p = Partition(image, "t");
        image = Decide(image, Alter(image, p.Leader, "t", [p.Leader])).After;
        var strict = Commit(image, ClusterControlManager.FenceExpired(image, p.Leader, 1));
        Assert.Equal(-1, Partition(strict, "t").Leader);
        var unclean = new ReplicationPolicy((_, _) => true);
        var allowed = Commit(image, ClusterControlManager.FenceExpired(image, p.Leader, 1, unclean));
        var elected = Partition(allowed, "t");
        Assert.NotEqual(-1, elected.Leader);
        Assert.Equal([elected.Leader], elected.Isr.ToArray());
        // ElectLeaders UNCLEAN does the same on request.
        var (error, elected2) = Elect(strict, LeaderElection.Unclean, "t");
        Assert.Equal(ErrorCode.None, error);
        Assert.NotEqual(-1, Partition(elected2, "t").Leader);
    }

    [Fact]
    public void Controlled_shutdown_moves_leadership_then_lets_the_broker_go()
    {
        var image = WithTopic(ControlManagerTests.ThreeBrokers, "t", 3, 3);
        var leading = image.Topics.Find("t")!.Partitions.Values.First().Leader;
        var ask = new BrokerHeartbeat(leading, 1, 1000, WantFence: false, WantShutDown: true);
        var first = ClusterControlManager.Heartbeat(image, ask, 0);
        Assert.False(first.Response.ShouldShutDown);
        Assert.False(first.Response.IsFenced);
        image = Commit(image, first);
        Assert.True(image.Cluster.Brokers[leading].InControlledShutdown);
        Assert.All(image.Topics.Find("t")!.Partitions.Values, p => Assert.NotEqual(leading, p.Leader));
        Assert.All(image.Topics.Find("t")!.Partitions.Values, p => Assert.DoesNotContain(leading, p.Isr));
        // Not while the others have not seen the moves.
        Assert.False(ClusterControlManager.Heartbeat(image, ask, 0, othersCaughtUp: _ => false).Response.ShouldShutDown);
        var last = ClusterControlManager.Heartbeat(image, ask, 0, othersCaughtUp: _ => true);
        Assert.True(last.Response.ShouldShutDown);
        Assert.True(Commit(image, last).Cluster.Brokers[leading].Fenced);
        // A broker in controlled shutdown is offered no new replicas and no ISR place.
        Assert.False(image.Cluster.IsActive(leading));
    }

    [Fact]
    public void A_preferred_election_restores_the_first_replica_once_it_is_back_in_sync()
    {
        var image = WithTopic(ControlManagerTests.ThreeBrokers, "t", 1, 3);
        var preferred = Partition(image, "t").Replicas[0];
        image = Commit(image, ClusterControlManager.FenceExpired(image, preferred, 1));
        Assert.Equal(ErrorCode.PreferredLeaderNotAvailable, Elect(image, LeaderElection.Preferred, "t").Error);
        image = Commit(image, ClusterControlManager.Heartbeat(image, new BrokerHeartbeat(preferred, 1, 1000, false, false), 0));
        var leader = Partition(image, "t").Leader;
        image = Decide(image, Alter(image, leader, "t", [.. Partition(image, "t").Isr, preferred])).After;
        var rebalance = ReplicationControlManager.RebalanceLeaders(image);
        Assert.Equal(1, rebalance.Response);
        Assert.Equal(preferred, Partition(Commit(image, rebalance), "t").Leader);
        Assert.Equal(ErrorCode.ElectionNotNeeded, Elect(Commit(image, rebalance), LeaderElection.Preferred, "t").Error);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, Elect(image, LeaderElection.Preferred, "x").Error);
    }
}
