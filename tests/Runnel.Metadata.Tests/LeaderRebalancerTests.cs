using Runnel.Broker.Tests;
using Runnel.Metadata.Control;
using Runnel.Metadata.Controller;
using Runnel.Metadata.Image;
using Runnel.Protocol.Messages;
using Runnel.Raft;
using Runnel.Raft.Log;
using Runnel.Raft.Messages;
using Runnel.Raft.State;

namespace Runnel.Metadata.Tests;

/// <summary>
/// Auto leader rebalance on a real controller (a lone voter on a memory log): passes run on the injected clock's
/// timer, every leader.imbalance.check.interval.seconds, and only then move leadership back to the preferred replica.
/// </summary>
public sealed class LeaderRebalancerTests
{
    private sealed class NoNetwork : IRaftNetwork
    {
        public void Send(RaftMessage message)
        {
        }
    }

    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_check_runs_on_the_interval_of_the_injected_clock()
    {
        var loader = new MetadataLoader(1, long.MaxValue);
        await using var driver = new RaftDriver(now => new RaftNode(1, QuorumVoters.Single(1), new RaftConfig(), new MemoryRaftLog(), new MemoryQuorumStateStore(),
            new NoNetwork(), loader, now, new Random(1)));
        using var controller = new QuorumController(driver, loader);
        driver.Start();
        Assert.True(await controller.WaitForActiveAsync(Bounded));

        // Brokers 1-2 and a topic preferring 1, whose leadership moved to 2 while 1 was fenced; 1 is back in sync.
        foreach (var id in new[] { 1, 2 })
            await controller.ExecuteAsync(image => ClusterControlManager.Register(image, id, Guid.NewGuid(), [new BrokerEndpoint("PLAINTEXT", "localhost", 9092 + id, 0)], null, fenced: false));
        await controller.ExecuteAsync(image => ReplicationControlManager.CreateTopic(image, new NewTopic("t", 1, 2, new Dictionary<string, string>(), [[1, 2]]), Guid.NewGuid));
        await controller.ExecuteAsync(image => ClusterControlManager.FenceExpired(image, 1, image.Cluster.Brokers[1].Epoch));
        await controller.ExecuteAsync(image => ClusterControlManager.SetFenced(image, 1, false));
        await controller.ExecuteAsync(image =>
        {
            var p = image.Topics.Find("t")!.Partitions[0];
            return ReplicationControlManager.AlterPartition(image, new AlterPartitionRequest
            {
                BrokerId = 2,
                BrokerEpoch = -1,
                Topics = [new() { TopicId = image.Topics.Find("t")!.Id, Partitions = [new() { PartitionIndex = 0, LeaderEpoch = p.LeaderEpoch, PartitionEpoch = p.PartitionEpoch,
                    NewIsrWithEpochs = [new() { BrokerId = 2, BrokerEpoch = -1 }, new() { BrokerId = 1, BrokerEpoch = -1 }] }] }],
            }, 3, ReplicationPolicy.Default);
        });
        int Leader() => loader.Image.Topics.Find("t")!.Partitions[0].Leader;
        Assert.Equal(2, Leader());

        var clock = new ManualTimeProvider();
        using var stop = new CancellationTokenSource();
        var rebalancer = new LeaderRebalancer(controller, new LeaderRebalanceSettings(true, TimeSpan.FromSeconds(300), 10), clock);
        var running = rebalancer.RunAsync(stop.Token);
        clock.Advance(299_999);
        // A pass that is not due yet must not have run: nothing to commit, so the image would show it at once.
        Assert.Equal(2, Leader());
        clock.Advance(1);
        Assert.True(await loader.WaitUntilAsync(_ => Leader() == 1, Bounded, TimeProvider.System), "the due pass did not move leadership back");
        await stop.CancelAsync();
        await running.WaitAsync(Bounded);

        // Disabled: returns at once, no timer.
        await new LeaderRebalancer(controller, LeaderRebalanceSettings.Default with { Enabled = false }, clock).RunAsync(CancellationToken.None).WaitAsync(Bounded);
    }
}
