using System.Diagnostics;
using System.Globalization;
using Runnel.ClusterTests.Checking;
using Runnel.ClusterTests.Nodes;
using Runnel.ClusterTests.Rig;
using Runnel.ClusterTests.Workload;
using static Runnel.ClusterTests.Nodes.KafkaProbe;

namespace Runnel.ClusterTests.Scenarios;

/// <summary>
/// Three combined nodes (broker and controller, ids 1-3), each on its own rig host, sharing one cluster id and
/// quorum; topics default to three replicas with min.insync.replicas=2. Every wait here is on state the nodes report
/// (DescribeQuorum for the active controller, Metadata for leaders and ISRs), polled with a bound.
/// </summary>
internal sealed class ReplicatedCluster : IAsyncDisposable
{
    public const int NodeCount = 3;

    /// <summary>Kafka's 30 s is longer than a scenario: a follower cut from its leader leaves the ISR after this.</summary>
    public const int ReplicaLagTimeMs = 4000;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private ReplicatedCluster(ScenarioRun run, NetworkRig rig, IReadOnlyList<NodeProcess> nodes)
    {
        Run = run;
        Rig = rig;
        Nodes = nodes;
    }

    public ScenarioRun Run { get; }

    public NetworkRig Rig { get; }

    /// <summary>Node i + 1 at index i, on host i + 1.</summary>
    public IReadOnlyList<NodeProcess> Nodes { get; }

    public string Bootstrap => string.Join(',', Nodes.Select(n => n.Endpoint));

    public NodeProcess Node(int id) => Nodes[id - 1];

    /// <summary>
    /// Builds the rig and starts the nodes together (a new quorum forms once every voter has been up).
    /// <paramref name="overrides"/> replace settings on every node (the failover bench keeps Kafka's session timeout).
    /// </summary>
    public static async Task<ReplicatedCluster> StartAsync(ScenarioRun run, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var rig = await NetworkRig.CreateAsync(NodeCount, run.Faults);
        try
        {
            var voters = NodeSettings.Voters(Enumerable.Range(1, NodeCount).Select(i => (i, rig[i].Address)));
            var clusterId = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            var extra = new Dictionary<string, string> { ["replica.lag.time.max.ms"] = ReplicaLagTimeMs.ToString(CultureInfo.InvariantCulture) };
            foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
                extra[key] = value;
            var nodes = Enumerable.Range(1, NodeCount)
                .Select(i => run.Track(new NodeProcess(rig[i], NodeSettings.Combined(i, rig[i].Address, voters, clusterId).With(extra), run.WorkDirectory, run.Faults)))
                .ToList();
            var cluster = new ReplicatedCluster(run, rig, nodes);
            try
            {
                await Task.WhenAll(nodes.Select(n => n.StartAsync()));
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
            return cluster;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>Workload options for an RF3, min.insync.replicas=2 topic on this cluster.</summary>
    public WorkloadOptions Workload(string topic, int partitions) => new(Bootstrap, topic)
    {
        Partitions = partitions,
        ReplicationFactor = NodeCount,
        TopicConfigs = new Dictionary<string, string> { ["min.insync.replicas"] = "2" },
    };

    /// <summary>The active controller (the quorum leader) as every given node sees it, once they agree.</summary>
    public static async Task<int> ActiveControllerAsync(IEnumerable<NodeProcess> observers, TimeSpan timeout, Func<int, bool>? acceptable = null)
    {
        var nodes = observers.ToList();
        var clock = Stopwatch.StartNew();
        var views = new List<(int Leader, int Epoch)?>();
        while (clock.Elapsed < timeout)
        {
            views = [.. await Task.WhenAll(nodes.Select(n => QuorumLeaderAsync(NodeSettings.ControllerEndpoint(n.Host.Address))))];
            if (views.All(v => v is not null) && views.Distinct().Count() == 1 && (acceptable?.Invoke(views[0]!.Value.Leader) ?? true))
                return views[0]!.Value.Leader;
            await Task.Delay(PollInterval);
        }
        throw new TimeoutException($"no agreed active controller within {timeout.TotalSeconds} s; views: {string.Join(", ", views.Select(v => v?.ToString() ?? "none"))}");
    }

    /// <summary>
    /// Polls every observer's metadata for <paramref name="topic"/> until each answers and satisfies
    /// <paramref name="condition"/>; returns the first observer's view.
    /// </summary>
    public static async Task<IReadOnlyList<PartitionState>> UntilAsync(IEnumerable<NodeProcess> observers, string topic, Func<IReadOnlyList<PartitionState>, bool> condition,
        TimeSpan timeout, string what)
    {
        var nodes = observers.ToList();
        var clock = Stopwatch.StartNew();
        IReadOnlyList<PartitionState>?[] views = [];
        while (clock.Elapsed < timeout)
        {
            views = await Task.WhenAll(nodes.Select(n => PartitionsAsync(n.Endpoint, topic)));
            if (views.All(v => v is not null && condition(v)))
                return views[0]!;
            await Task.Delay(PollInterval);
        }
        throw new TimeoutException($"not {what} within {timeout.TotalSeconds} s; views: "
            + string.Join(" | ", nodes.Zip(views, (n, v) => $"node {n.NodeId}: {(v is null ? "no answer" : string.Join("; ", v))}")));
    }

    /// <summary>
    /// Every node answers, every partition has a leader and all three replicas in its ISR, on every node: the cluster
    /// is whole again after a heal (or a start).
    /// </summary>
    public async Task<IReadOnlyList<PartitionState>> WaitHealthyAsync(string topic, int partitions, TimeSpan timeout)
    {
        var view = await UntilAsync(Nodes, topic, v => v.Count == partitions && v.All(p => p.Leader >= 0 && p.Isr.Length == NodeCount), timeout,
            "every partition led with a full ISR on every node");
        Run.Faults.Note("healthy: " + string.Join("; ", view));
        return view;
    }

    /// <summary>The nodes other than <paramref name="excluded"/>.</summary>
    public IReadOnlyList<NodeProcess> Except(params NodeProcess[] excluded) => [.. Nodes.Where(n => !excluded.Contains(n))];

    /// <summary>kill -9 of every node that runs, at once (each counted as a fault unless <paramref name="asFault"/> is false).</summary>
    public Task KillAllAsync(bool asFault = true) => Task.WhenAll(Nodes.Where(n => n.IsRunning).Select(n => n.KillAsync(asFault)));

    /// <summary>Every node's log of <paramref name="topic"/>, read offline (stop the nodes first).</summary>
    public IReadOnlyList<ReplicaLog> ReadReplicas(string topic, int partitions)
        => [.. Nodes.Select(n => ReplicaLogReader.Read($"node-{n.NodeId}", n.DataDirectory, topic, partitions, Run.WorkDirectory))];

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
            await node.DisposeAsync();
        await Rig.DisposeAsync();
    }
}
