using System.Globalization;
using Runnel.ClusterTests.Checking;
using Runnel.ClusterTests.Workload;
using Xunit.Abstractions;

namespace Runnel.ClusterTests.Scenarios;

/// <summary>
/// The replicated fault battery: three combined nodes, an RF3 topic with min.insync.replicas=2 and several
/// partitions, idempotent acks=all producers and consumers reading every partition. Several faults run in one cluster
/// lifetime (the CI budget), each ending only once the cluster is whole again and the workload made progress. At the
/// end every node is stopped and its partition logs are read offline: nothing acknowledged may be lost, nothing
/// written twice, no offset may hold two records across replicas or over time, no consumer may have read past the high
/// watermark, and the replicas must agree up to it. RUNNEL_FAULT_SEED replays a run's choices; RUNNEL_SOAK_MINUTES
/// runs random faults from the battery for that long (README.md in this project).
/// </summary>
[Collection(ScenarioGroup.Name)]
public sealed class ReplicatedScenarioTests(ITestOutputHelper output)
{
    private const int Partitions = 6;
    private const string Topic = "history";

    [Fact]
    public Task A_replicated_cluster_loses_nothing_through_leader_kills_pauses_and_a_whole_cluster_restart()
        => RunAsync("replicated-processes", _ => [ReplicatedFault.KillLeader, ReplicatedFault.PauseLeader, ReplicatedFault.WholeClusterRestart]);

    [Fact]
    public Task A_replicated_cluster_loses_nothing_through_an_isolated_leader_a_data_port_cut_and_a_minority_partition()
        => RunAsync("replicated-partitions", _ => [ReplicatedFault.IsolateLeader, ReplicatedFault.DataPortThenFull, ReplicatedFault.MinorityPartition]);

    [Fact]
    public Task A_replicated_cluster_loses_nothing_through_a_lagging_follower_and_bad_links_everywhere()
        => RunAsync("replicated-links", _ => [ReplicatedFault.LaggingFollower, ReplicatedFault.DegradedLinks]);

    /// <summary>RUNNEL_SOAK_MINUTES=N: seeded random faults from the whole battery for N minutes; off (returns at once) in CI.</summary>
    [Fact]
    public Task A_soak_of_random_faults_from_the_battery_loses_nothing()
    {
        if (SoakTime <= TimeSpan.Zero)
        {
            output.WriteLine("RUNNEL_SOAK_MINUTES is not set: the soak is off.");
            return Task.CompletedTask;
        }
        var all = Enum.GetValues<ReplicatedFault>();
        return RunAsync("replicated-soak", random => Endless(random, all));

        static IEnumerable<ReplicatedFault> Endless(Random random, ReplicatedFault[] all)
        {
            while (true)
                yield return all[random.Next(all.Length)];
        }
    }

    private static TimeSpan SoakTime { get; } = double.TryParse(Environment.GetEnvironmentVariable("RUNNEL_SOAK_MINUTES"), NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m > 0
        ? TimeSpan.FromMinutes(m) : TimeSpan.Zero;

    /// <summary>
    /// Starts the cluster and workload, injects <paramref name="schedule"/>'s faults one after another (in a soak,
    /// until the soak time is up; else all of them), then checks the history.
    /// </summary>
    private async Task RunAsync(string name, Func<Random, IEnumerable<ReplicatedFault>> schedule)
    {
        var seed = FaultBattery.Seed;
        await using var run = new ScenarioRun(output, name);
        run.Print($"{name}: fault seed {seed.ToString(CultureInfo.InvariantCulture)} (RUNNEL_FAULT_SEED={seed.ToString(CultureInfo.InvariantCulture)} replays it)");
        var random = new Random(seed);
        await using var cluster = await ReplicatedCluster.StartAsync(run);
        var options = cluster.Workload(Topic, Partitions);

        History history;
        var injected = new List<ReplicatedFault>();
        TimeSpan lastFault;
        await using (var workload = await KafkaWorkload.StartAsync(options, run.Faults, run.ClientLogFile))
        {
            var battery = new FaultBattery(cluster, workload, random);
            await cluster.WaitHealthyAsync(Topic, Partitions, TimeSpan.FromSeconds(60));
            await workload.WaitForProgressAsync(FaultBattery.Progress, TimeSpan.FromSeconds(45));
            foreach (var fault in schedule(random))
            {
                if (SoakTime > TimeSpan.Zero && run.Faults.Elapsed > SoakTime)
                    break;
                run.Faults.Note($"--- {fault} ---");
                injected.Add(fault);
                await battery.RunAsync(fault);
            }
            lastFault = run.Faults.LastFaultOrRepairAt;
            await workload.StopProducersAsync();
            var faults = run.Faults.FaultCount;
            var (final, highWatermarks) = await workload.ReadEverythingAsync(TimeSpan.FromSeconds(60));
            await workload.StopConsumersAsync();
            history = new History([.. workload.History.Writes], [.. workload.History.Reads], final, highWatermarks, [], faults);
        }
        // Every replica in the ISR has everything below the high watermark; then the logs are read from a copy.
        await cluster.WaitHealthyAsync(Topic, Partitions, TimeSpan.FromSeconds(60));
        await cluster.KillAllAsync(asFault: false);
        history = history with { Replicas = cluster.ReadReplicas(Topic, Partitions) };
        await run.SaveAsync(history);

        var report = HistoryChecker.Check(history);
        var acksAfterLastFault = history.Writes.Count(w => w.Status == WriteStatus.Ok && w.CompletedMs > lastFault.TotalMilliseconds);
        run.Report(report,
            $"fault seed {seed.ToString(CultureInfo.InvariantCulture)}; faults: {string.Join(", ", injected)}",
            $"librdkafka {KafkaNative.Version}; {options.Producers} idempotent acks=all producers, {options.Consumers} consumers; RF3, min.insync.replicas=2, {Partitions} partitions",
            string.Create(CultureInfo.InvariantCulture, $"acknowledged after the last fault or repair (+{lastFault.TotalSeconds:F1}s): {acksAfterLastFault}"));
        Assert.Empty(report.Lost);
        Assert.Empty(report.Duplicates);
        Assert.Empty(report.Inconsistent);
        Assert.True(report.Clean, string.Join('\n', report.Lines()));
        Assert.True(acksAfterLastFault >= FaultBattery.Progress, $"only {acksAfterLastFault} writes acknowledged after the last fault");
        run.Passed();
    }
}
