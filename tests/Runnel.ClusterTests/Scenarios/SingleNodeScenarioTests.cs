using Runnel.ClusterTests.Checking;
using Runnel.ClusterTests.Nodes;
using Runnel.ClusterTests.Rig;
using Runnel.ClusterTests.Workload;
using Xunit.Abstractions;

namespace Runnel.ClusterTests.Scenarios;

/// <summary>
/// The rig proven on what exists today: one combined node (broker and lone voter) on a namespace host, an
/// idempotent acks=all workload, and between stretches of progress a kill -9 with restart, a SIGSTOP/SIGCONT, and a
/// degraded link. acks=all on one node waits for an fsync, so nothing acknowledged may be lost, and idempotence
/// means nothing may be written twice.
/// </summary>
[Collection(ScenarioGroup.Name)]
public sealed class SingleNodeScenarioTests(ITestOutputHelper output)
{
    private const int Partitions = 3;
    private const int Progress = 400;
    private static readonly TimeSpan ProgressTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_single_node_loses_and_duplicates_nothing_through_kill_pause_and_a_bad_link()
    {
        await using var run = new ScenarioRun(output, "single-node");
        await using var rig = await NetworkRig.CreateAsync(1, run.Faults);
        var host = rig[1];
        await using var node = run.Track(new NodeProcess(host, NodeSettings.SingleNode(1, host.Address, Partitions), run.WorkDirectory, run.Faults));
        await node.StartAsync();
        var options = new WorkloadOptions(node.Endpoint, "history") { Partitions = Partitions };
        // Where the kernel has no netem, delay is unavailable: loss then comes from iptables, and a bandwidth cap stands in.
        var badLink = rig.HasNetem
            ? new LinkFault(Delay: TimeSpan.FromMilliseconds(40), Jitter: TimeSpan.FromMilliseconds(20), LossPercent: 5)
            : new LinkFault(LossPercent: 10, RateKbit: 512);
        var pause = ScenarioRun.Soaking ? TimeSpan.FromSeconds(7) : TimeSpan.FromSeconds(2);

        History history;
        await using (var workload = await KafkaWorkload.StartAsync(options, run.Faults, run.ClientLogFile))
        {
            await workload.WaitForProgressAsync(Progress, ProgressTimeout);
            for (var cycle = 0; run.AnotherCycle(cycle); cycle++)
            {
                await node.KillAsync();
                await node.RestartAsync();
                await workload.WaitForProgressAsync(Progress, ProgressTimeout);

                await node.PauseAsync();
                await Task.Delay(pause); // the fault's length, not a wait for something to happen
                await node.ResumeAsync();
                await workload.WaitForProgressAsync(Progress, ProgressTimeout);

                await rig.DegradeLinkAsync(host, badLink);
                await workload.WaitForProgressAsync(2 * Progress, ProgressTimeout);
                await rig.HealAsync(host);
                await workload.WaitForProgressAsync(Progress / 4, ProgressTimeout);
            }
            await workload.StopProducersAsync();
            var faults = run.Faults.FaultCount;
            var (final, highWatermarks) = await workload.ReadEverythingAsync(TimeSpan.FromSeconds(30));
            await workload.StopConsumersAsync();
            history = new History([.. workload.History.Writes], [.. workload.History.Reads], final, highWatermarks, [], faults);
        }
        await node.StopAsync();
        history = history with { Replicas = [ReplicaLogReader.Read("node-1", node.DataDirectory, options.Topic, Partitions, run.WorkDirectory)] };
        await run.SaveAsync(history);

        var report = HistoryChecker.Check(history);
        run.Report(report, $"librdkafka {KafkaNative.Version}; {options.Producers} idempotent acks=all producers, {options.Consumers} consumers; link fault: {badLink}");
        Assert.True(report.Clean, string.Join('\n', report.Lines()));
        Assert.True(report.Acknowledged > 4 * Progress, $"only {report.Acknowledged} writes were acknowledged");
        run.Passed();
    }
}
