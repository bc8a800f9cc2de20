using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Runnel.ClusterTests.Nodes;
using Runnel.ClusterTests.Workload;
using Xunit.Abstractions;

namespace Runnel.ClusterTests.Scenarios;

/// <summary>
/// Failover time, measured rather than asserted (bench/failover.sh runs it; off unless RUNNEL_FAILOVER_RUNS=N is set):
/// on a three-node combined cluster with Kafka's session timeout, kill -9 the leader of a partition, (a) when that
/// node is not the active controller and (b) when it is, and time from the kill to the first acks=all produce
/// acknowledged by the new leader (a librdkafka producer with default settings, sending to that partition every 5 ms;
/// only sends made after the kill count, so no reply in flight from the dead leader can). Each run also notes when
/// the survivors' metadata named a new leader and, in (b), a new active controller, to show where the time goes.
/// </summary>
[Collection(ScenarioGroup.Name)]
public sealed class FailoverMeasurement(ITestOutputHelper output)
{
    private const string Topic = "failover";
    private const int Partitions = 6;
    private static readonly TimeSpan HealTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan FailoverTimeout = TimeSpan.FromSeconds(60);

    private sealed record Sample(bool WasController, double AckMs, double LeaderInMetadataMs, double ControllerElectedMs);

    [Fact]
    public async Task Failover_after_kill_9_of_a_partition_leader()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("RUNNEL_FAILOVER_RUNS"), CultureInfo.InvariantCulture, out var runs) || runs <= 0)
        {
            output.WriteLine("RUNNEL_FAILOVER_RUNS is not set: the failover measurement is off (bench/failover.sh runs it).");
            return;
        }
        var controllerRuns = int.TryParse(Environment.GetEnvironmentVariable("RUNNEL_FAILOVER_CONTROLLER_RUNS"), CultureInfo.InvariantCulture, out var c) && c >= 0 ? c : Math.Max(1, runs / 2);
        await using var run = new ScenarioRun(output, "failover");
        // Kafka's own broker.session.timeout.ms (9 s), as a default deployment has it.
        await using var cluster = await ReplicatedCluster.StartAsync(run, new Dictionary<string, string> { ["broker.session.timeout.ms"] = "9000" });
        var options = cluster.Workload(Topic, Partitions);
        KafkaNative.EnsureLoaded();
        using var log = new ClientLog(run.ClientLogFile, run.Faults);
        await TopicSetup.CreateAsync(options, log, TimeSpan.FromSeconds(60));

        var samples = new List<Sample>();
        var attempts = 0;
        while (samples.Count(s => !s.WasController) < runs || samples.Count(s => s.WasController) < controllerRuns)
        {
            if (++attempts > 4 * (runs + controllerRuns))
                throw new InvalidOperationException($"could not place enough runs after {attempts} attempts");
            var view = await cluster.WaitHealthyAsync(Topic, Partitions, HealTimeout);
            var controller = await ReplicatedCluster.ActiveControllerAsync(cluster.Nodes, HealTimeout);
            var wantController = samples.Count(s => s.WasController) < controllerRuns
                && (samples.Count(s => !s.WasController) >= runs || samples.Count % 2 == 1);
            var candidates = view.Where(p => (p.Leader == controller) == wantController).ToList();
            if (candidates.Count == 0)
            {
                // The controller leads nothing (or everything) now: measure the other case this time.
                wantController = !wantController;
                candidates = [.. view.Where(p => (p.Leader == controller) == wantController)];
                if (candidates.Count == 0)
                    continue;
            }
            var target = candidates[0];
            var sample = await MeasureAsync(cluster, cluster.Node(target.Leader), target.Partition, wantController, log);
            samples.Add(sample);
            var controllerNote = wantController ? string.Create(CultureInfo.InvariantCulture, $"; new active controller after {sample.ControllerElectedMs:F0} ms") : "";
            run.Print(string.Create(CultureInfo.InvariantCulture,
                $"run {samples.Count}: killed node {target.Leader} ({(wantController ? "the active controller" : "not the controller")}), partition {target.Partition}: ack by the new leader after {sample.AckMs:F0} ms; new leader in metadata after {sample.LeaderInMetadataMs:F0} ms{controllerNote}"));
            await cluster.Node(target.Leader).RestartAsync();
        }
        foreach (var (name, wasController) in new[] { ("(a) leader is not the active controller", false), ("(b) leader is the active controller", true) })
        {
            var chosen = samples.Where(s => s.WasController == wasController).ToList();
            if (chosen.Count == 0)
                continue;
            run.Print($"{name}: {chosen.Count} runs; kill -9 -> first acks=all ack by the new leader: {Summary(chosen.Select(s => s.AckMs))}");
            run.Print($"    kill -9 -> new leader in the survivors' metadata: {Summary(chosen.Select(s => s.LeaderInMetadataMs))}");
            if (wasController)
                run.Print($"    kill -9 -> new active controller agreed: {Summary(chosen.Select(s => s.ControllerElectedMs))}");
        }
        run.Passed();
    }

    private static string Summary(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.5) / 1000:F2} s, p99 {At(0.99) / 1000:F2} s, max {sorted[^1] / 1000:F2} s");
    }

    private static async Task<Sample> MeasureAsync(ReplicatedCluster cluster, NodeProcess leader, int partition, bool isController, ClientLog log)
    {
        var clock = Stopwatch.StartNew();
        var killedAt = double.MaxValue;
        var firstAck = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var warm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new ConcurrentQueue<string>();
        async Task<double> TimedAsync(Task observed)
        {
            await observed;
            return clock.Elapsed.TotalMilliseconds;
        }
        // RUNNEL_FAILOVER_DEBUG=metadata,broker,... turns on librdkafka's debug contexts in the client log, to see where the time goes.
        var config = new ProducerConfig { BootstrapServers = cluster.Bootstrap, Acks = Acks.All, ClientId = "failover-probe", Debug = Environment.GetEnvironmentVariable("RUNNEL_FAILOVER_DEBUG") };
        using var producer = new ProducerBuilder<Null, string>(config).SetLogHandler((_, m) => log.Log("failover-probe", m)).Build();
        using var stop = new CancellationTokenSource();
        var sending = Task.Run(async () =>
        {
            var tp = new TopicPartition(Topic, partition);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var invokedAt = clock.Elapsed.TotalMilliseconds;
                producer.Produce(tp, new Message<Null, string> { Value = "f" + i.ToString(CultureInfo.InvariantCulture) }, report =>
                {
                    var at = clock.Elapsed.TotalMilliseconds;
                    if (report.Error.IsError)
                    {
                        errors.Enqueue(report.Error.ToString());
                        return;
                    }
                    warm.TrySetResult();
                    if (invokedAt >= Volatile.Read(ref killedAt))
                        firstAck.TrySetResult(at);
                });
                try
                {
                    await Task.Delay(5, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
        try
        {
            await warm.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var survivors = cluster.Except(leader);
            var start = clock.Elapsed.TotalMilliseconds;
            Volatile.Write(ref killedAt, start);
            log.Write($"failover-probe: kill -9 of node {leader.NodeId}, leader of partition {partition}");
            await leader.KillAsync();
            var leaderAt = TimedAsync(ReplicatedCluster.UntilAsync(survivors, Topic, v => v[partition].Leader >= 0 && v[partition].Leader != leader.NodeId, FailoverTimeout,
                $"partition {partition} led by a survivor"));
            var controllerAt = isController ? TimedAsync(ReplicatedCluster.ActiveControllerAsync(survivors, FailoverTimeout, id => id != leader.NodeId)) : Task.FromResult(start);
            var ackAt = await firstAck.Task.WaitAsync(FailoverTimeout);
            log.Write(string.Create(CultureInfo.InvariantCulture, $"failover-probe: first ack by the new leader {ackAt - start:F0} ms after the kill"));
            await Task.WhenAll(leaderAt, controllerAt);
            return new Sample(isController, ackAt - start, await leaderAt - start, await controllerAt - start);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"failover of partition {partition} after kill -9 of node {leader.NodeId} not complete: {e.Message}; producer errors: {string.Join("; ", errors.Take(5))}", e);
        }
        finally
        {
            await stop.CancelAsync();
            await sending;
            producer.Flush(TimeSpan.FromSeconds(10));
        }
    }
}
