using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Client.Producer;
using Runnel.Protocol;

namespace Runnel.IntegrationTests.Cluster;

/// <summary>
/// Runnel.Client's partition admin (ElectLeadersAsync, AlterPartitionReassignmentsAsync,
/// ListPartitionReassignmentsAsync, DescribeTopicsAsync's leader epochs and offline replicas) against three real nodes.
/// </summary>
[Collection(PartitionAdminClusterDefinition.Name)]
public sealed class AdminClientPartitionTests(PartitionAdminCluster cluster)
{
    private static readonly TimeSpan Wait = PartitionAdminCluster.Wait;

    [Fact]
    public async Task Moves_an_rf2_partition_and_lists_it_until_done()
    {
        await cluster.CreateAsync("client-moving", [1, 2]);
        await using (var producer = new RunnelProducer(new ProducerOptions { BootstrapServers = cluster.Bootstrap }))
        {
            // ~200 KB: at the 100 KB/s throttle the new replica needs about a second to catch up.
            var value = new byte[200];
            await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => producer.ProduceAsync(new ProducerRecord("client-moving", value) { Partition = 0 })));
        }
        await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = cluster.Node(2).Bootstrap });
        var before = (await admin.DescribeTopicsAsync(["client-moving"], includeOffsets: false)).Single().Partitions.Single();
        Assert.Equal((1, 0), (before.Leader, before.LeaderEpoch));
        Assert.Empty(before.OfflineReplicas);

        var target = new TopicPartition("client-moving", 0);
        var started = Assert.Single(await admin.AlterPartitionReassignmentsAsync(new Dictionary<TopicPartition, IReadOnlyList<int>?> { [target] = [3, 2] }));
        Assert.Equal((target, ErrorCode.None), (started.Partition, started.Error));

        var moving = Assert.Single(await admin.ListPartitionReassignmentsAsync([target]));
        Assert.Equal(target, moving.Key);
        Assert.Equal([3, 2, 1], moving.Value.Replicas);
        Assert.Equal([3], moving.Value.AddingReplicas);
        Assert.Equal([1], moving.Value.RemovingReplicas);
        Assert.Equal([3, 2], moving.Value.TargetReplicas);
        Assert.Contains(target, (await admin.ListPartitionReassignmentsAsync()).Keys);

        // Listed until the new replica caught up and the old one left.
        await Quorum.QuorumRequests.UntilAsync(async () => await admin.ListPartitionReassignmentsAsync([target]), listed => listed.Count == 0, Wait, "the move done");
        // The controller answered the list; this node's metadata follows it at its own pace.
        var after = await Quorum.QuorumRequests.UntilAsync(async () => (await admin.DescribeTopicsAsync(["client-moving"])).Single().Partitions.Single(),
            p => p.Replicas.SequenceEqual([3, 2]), Wait, "the target replicas in this node's metadata");
        Assert.Equal([2, 3], after.Isr.Order());
        Assert.NotEqual(1, after.Leader);
        Assert.True(after.LeaderEpoch > before.LeaderEpoch);
        Assert.Equal(1000, after.LatestOffset);

        var cancel = Assert.Single(await admin.AlterPartitionReassignmentsAsync(new Dictionary<TopicPartition, IReadOnlyList<int>?> { [target] = null }));
        Assert.Equal(ErrorCode.NoReassignmentInProgress, cancel.Error);
    }

    [Fact]
    public async Task Bad_moves_and_elections_get_kafkas_errors_and_change_nothing()
    {
        await cluster.CreateAsync("client-steady", [1, 2]);
        await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = cluster.Node(3).Bootstrap });
        var before = (await admin.DescribeTopicsAsync(["client-steady"], includeOffsets: false)).Single().Partitions.Single();

        var results = await admin.AlterPartitionReassignmentsAsync(new Dictionary<TopicPartition, IReadOnlyList<int>?>
        {
            [new("client-steady", 0)] = [99, 2],
            [new("client-steady", 7)] = [1, 2],
            [new("client-nope", 0)] = [1, 2],
        });
        Assert.Equal(
            [(new TopicPartition("client-nope", 0), ErrorCode.UnknownTopicOrPartition), (new("client-steady", 0), ErrorCode.InvalidReplicaAssignment),
                (new("client-steady", 7), ErrorCode.UnknownTopicOrPartition)],
            results.Select(r => (r.Partition, r.Error)));
        Assert.Contains("99", results[1].ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("INVALID_REPLICA_ASSIGNMENT", results[1].ErrorName);

        var elections = await admin.ElectLeadersAsync(ElectionType.Preferred, [new("client-nope", 0), new("client-steady", 0)]);
        Assert.Equal([(new TopicPartition("client-nope", 0), ErrorCode.UnknownTopicOrPartition), (new("client-steady", 0), ErrorCode.ElectionNotNeeded)],
            elections.Select(r => (r.Partition, r.Error)));
        var unclean = Assert.Single(await admin.ElectLeadersAsync(ElectionType.Unclean, [new("client-steady", 0)]));
        Assert.Equal(ErrorCode.ElectionNotNeeded, unclean.Error);

        Assert.Empty(await admin.ListPartitionReassignmentsAsync([new("client-steady", 0), new("client-nope", 0)]));
        var after = (await admin.DescribeTopicsAsync(["client-steady"], includeOffsets: false)).Single().Partitions.Single();
        Assert.Equal((before.Leader, before.LeaderEpoch), (after.Leader, after.LeaderEpoch));
        Assert.Equal(before.Replicas, after.Replicas);
        Assert.Equal(before.Isr.Order(), after.Isr.Order());
    }

    [Fact]
    public async Task Elects_the_preferred_leader_back_after_it_restarts()
    {
        var controller = await cluster.ControllerAsync();
        var preferred = Enumerable.Range(1, 3).First(id => id != controller);
        var third = 6 - controller - preferred;
        await cluster.CreateAsync("client-elect", [preferred, controller, third]);
        // The controller's node stays up throughout; the admin client bootstraps from it alone.
        await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = cluster.Node(controller).Bootstrap });
        var partition = new TopicPartition("client-elect", 0);
        var killed = false;
        try
        {
            await cluster.Node(preferred).KillAsync();
            killed = true;
            var moved = await UntilAsync(admin, d => d.Leader != preferred && d.OfflineReplicas.Count == 1, "leadership moved off the killed node");
            Assert.Equal([preferred], moved.OfflineReplicas);
            Assert.DoesNotContain(preferred, moved.Isr);

            var notYet = Assert.Single(await admin.ElectLeadersAsync(ElectionType.Preferred, [partition]));
            Assert.Equal(ErrorCode.PreferredLeaderNotAvailable, notYet.Error);

            await cluster.Node(preferred).RestartAsync();
            killed = false;
            var back = await UntilAsync(admin, d => d.Isr.Count == 3 && d.OfflineReplicas.Count == 0, "the restarted node back in the ISR");
            Assert.Equal(moved.Leader, back.Leader);

            var elected = Assert.Single(await admin.ElectLeadersAsync(ElectionType.Preferred, [partition]));
            Assert.Equal((partition, ErrorCode.None, true), (elected.Partition, elected.Error, elected.Succeeded));
            var led = await UntilAsync(admin, d => d.Leader == preferred, "the preferred leader back");
            Assert.True(led.LeaderEpoch > moved.LeaderEpoch);

            Assert.Equal(ErrorCode.ElectionNotNeeded, Assert.Single(await admin.ElectLeadersAsync(ElectionType.Preferred, [partition])).Error);
            // Every partition: the ones needing no election are left out of the answer, as Kafka's controller does.
            Assert.DoesNotContain(await admin.ElectLeadersAsync(ElectionType.Preferred, null), r => r.Partition == partition);
        }
        finally
        {
            if (killed)
                await cluster.Node(preferred).RestartAsync();
        }
        await PartitionAdminCluster.AllInSyncAsync(cluster.Node(controller).Bootstrap);
    }

    private static async Task<PartitionDescription> UntilAsync(RunnelAdminClient admin, Func<PartitionDescription, bool> condition, string what)
        => await Quorum.QuorumRequests.UntilAsync(
            async () => (await admin.DescribeTopicsAsync(["client-elect"], includeOffsets: false)).Single().Partitions.Single(), condition, Wait, what);
}
