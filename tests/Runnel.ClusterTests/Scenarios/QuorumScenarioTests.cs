using System.Diagnostics;
using Runnel.ClusterTests.Checking;
using Runnel.ClusterTests.Nodes;
using Runnel.ClusterTests.Rig;
using Runnel.ClusterTests.Workload;
using Runnel.Protocol;
using Xunit.Abstractions;

namespace Runnel.ClusterTests.Scenarios;

/// <summary>
/// Today's multi-process topology, each process on its own host: three controllers (process.roles=controller,
/// h1-h3) and one broker (process.roles=broker, h4) that follows their quorum. While the workload runs against the
/// broker, the controller leader is cut off from every other host, the other two elect a leader, and the cut is
/// healed. The broker must keep serving and lose nothing. Partitions have one replica (replication is not built yet),
/// so the replica check compares the broker's files with what clients saw.
/// </summary>
[Collection(ScenarioGroup.Name)]
public sealed class QuorumScenarioTests(ITestOutputHelper output)
{
    private const int Partitions = 3;
    private const int BrokerId = 4;
    private const int Progress = 400;
    private static readonly TimeSpan ProgressTimeout = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan ElectionTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_broker_loses_nothing_while_the_controller_leader_is_cut_off_and_healed()
    {
        await using var run = new ScenarioRun(output, "controller-leader-cut");
        await using var rig = await NetworkRig.CreateAsync(4, run.Faults);
        var voters = NodeSettings.Voters(Enumerable.Range(1, 3).Select(i => (i, rig[i].Address)));
        // Disposed in reverse: the broker first, then the controllers, then (above) the rig.
        await using var c1 = run.Track(new NodeProcess(rig[1], NodeSettings.Controller(1, rig[1].Address, voters), run.WorkDirectory, run.Faults));
        await using var c2 = run.Track(new NodeProcess(rig[2], NodeSettings.Controller(2, rig[2].Address, voters), run.WorkDirectory, run.Faults));
        await using var c3 = run.Track(new NodeProcess(rig[3], NodeSettings.Controller(3, rig[3].Address, voters), run.WorkDirectory, run.Faults));
        NodeProcess[] controllers = [c1, c2, c3];
        // Started together: a new quorum forms only once every voter has been seen (ARCHITECTURE.md, rule 7).
        await Task.WhenAll(controllers.Select(c => c.StartAsync()));
        await using var broker = run.Track(new NodeProcess(rig[4], NodeSettings.Broker(BrokerId, rig[4].Address, voters, Partitions), run.WorkDirectory, run.Faults));
        await broker.StartAsync();

        // A broker-only node cannot allocate producer ids yet (no AllocateProducerIds), so it does not offer
        // idempotence; the workload then writes without it and duplicates from retries are reported, not failed.
        var idempotence = await KafkaProbe.AdvertisesAsync(broker.Endpoint, ApiKey.InitProducerId) == true;
        var options = new WorkloadOptions(broker.Endpoint, "history") { Partitions = Partitions, Idempotence = idempotence };

        History history;
        await using (var workload = await KafkaWorkload.StartAsync(options, run.Faults, run.ClientLogFile))
        {
            await workload.WaitForProgressAsync(Progress, ProgressTimeout);
            for (var cycle = 0; run.AnotherCycle(cycle); cycle++)
            {
                var (leader, epoch) = await AgreedLeaderAsync(controllers, (_, _) => true);
                var cut = controllers.Single(c => c.NodeId == leader);
                await rig.IsolateAsync(cut.Host);
                var rest = controllers.Where(c => c != cut).ToArray();
                var (next, nextEpoch) = await AgreedLeaderAsync(rest, (l, e) => l != leader && e > epoch);
                run.Faults.Note($"controllers 2 of 3 agree: node {next} leads epoch {nextEpoch}");
                await workload.WaitForProgressAsync(Progress, ProgressTimeout);
                await rig.HealAsync(cut.Host);
                var (healed, healedEpoch) = await AgreedLeaderAsync(controllers, (_, e) => e >= nextEpoch);
                run.Faults.Note($"controllers 3 of 3 agree: node {healed} leads epoch {healedEpoch}");
                await workload.WaitForProgressAsync(Progress, ProgressTimeout);
            }
            await workload.StopProducersAsync();
            var faults = run.Faults.FaultCount;
            var (final, highWatermarks) = await workload.ReadEverythingAsync(TimeSpan.FromSeconds(30));
            await workload.StopConsumersAsync();
            history = new History([.. workload.History.Writes], [.. workload.History.Reads], final, highWatermarks, [], faults);
        }
        await broker.StopAsync();
        history = history with { Replicas = [ReplicaLogReader.Read("node-4", broker.DataDirectory, options.Topic, Partitions, run.WorkDirectory)] };
        await run.SaveAsync(history);

        var report = HistoryChecker.Check(history, duplicatesAllowed: !idempotence);
        run.Report(report, $"librdkafka {KafkaNative.Version}; {options.Producers} acks=all producers ({(idempotence ? "idempotent" : "not idempotent: the broker does not offer InitProducerId")}), {options.Consumers} consumers");
        Assert.True(report.Clean, string.Join('\n', report.Lines()));
        Assert.True(report.Acknowledged > 3 * Progress, $"only {report.Acknowledged} writes were acknowledged");
        run.Passed();
    }

    /// <summary>Polls DescribeQuorum until every given controller names the same leader and epoch, and it is acceptable.</summary>
    private static async Task<(int Leader, int Epoch)> AgreedLeaderAsync(IReadOnlyList<NodeProcess> controllers, Func<int, int, bool> acceptable)
    {
        var clock = Stopwatch.StartNew();
        var views = new List<(int Leader, int Epoch)?>();
        while (clock.Elapsed < ElectionTimeout)
        {
            views = [.. await Task.WhenAll(controllers.Select(c => KafkaProbe.QuorumLeaderAsync(c.Endpoint)))];
            if (views.All(v => v is not null) && views.Distinct().Count() == 1 && acceptable(views[0]!.Value.Leader, views[0]!.Value.Epoch))
                return views[0]!.Value;
            await Task.Delay(100);
        }
        throw new TimeoutException($"no agreed quorum leader within {ElectionTimeout.TotalSeconds} s; views: {string.Join(", ", views.Select(v => v?.ToString() ?? "none"))}");
    }
}
