using System.Globalization;
using Runnel.ClusterTests.Nodes;
using Runnel.ClusterTests.Rig;
using Runnel.ClusterTests.Workload;

namespace Runnel.ClusterTests.Scenarios;

/// <summary>The faults a replicated cluster is put through (reference/reliability-battery.md).</summary>
public enum ReplicatedFault
{
    /// <summary>kill -9 of a partition's leader, then a restart on its data directory.</summary>
    KillLeader,

    /// <summary>SIGSTOP of a partition's leader for a seeded time (short, or past the session timeout), then SIGCONT.</summary>
    PauseLeader,

    /// <summary>A leader cut off from both other nodes (clients still reach it), then healed.</summary>
    IsolateLeader,

    /// <summary>Jepsen 2013: the leader's data port cut from its peers (the controller port open) until the ISR shrinks, then a full cut.</summary>
    DataPortThenFull,

    /// <summary>One node (the active controller, or a seeded other) split from the other two, then healed.</summary>
    MinorityPartition,

    /// <summary>A follower's link degraded (delay with netem, else loss and a bandwidth cap) so it lags, then healed.</summary>
    LaggingFollower,

    /// <summary>Every node's link degraded at once (delay and loss, or loss alone without netem), then healed.</summary>
    DegradedLinks,

    /// <summary>kill -9 of every node at once, then all started again: every acknowledged record must still be there.</summary>
    WholeClusterRestart,
}

/// <summary>
/// Injects one fault of <see cref="ReplicatedFault"/> into a running <see cref="ReplicatedCluster"/> under a
/// workload, and returns once the cluster is whole again (every partition led, full ISRs on every node) and the
/// workload made progress since the repair. Waits are on what the nodes report (metadata, the quorum) and on
/// acknowledged writes, each bounded; the only sleeps are a fault's hold time, drawn from the seeded
/// <paramref name="random"/>, so a seed replays the same choices of partition, node and duration.
/// </summary>
internal sealed class FaultBattery(ReplicatedCluster cluster, KafkaWorkload workload, Random random)
{
    /// <summary>Acknowledged writes that count as progress (about half a second of the workload).</summary>
    public const int Progress = 300;

    private static readonly TimeSpan ProgressTimeout = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan HealTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Fencing takes the session timeout after a silent cut; the new leader then needs a metadata round.</summary>
    private static readonly TimeSpan FailoverTimeout = TimeSpan.FromMilliseconds(NodeSettings.SessionTimeoutMs) + TimeSpan.FromSeconds(20);

    private WorkloadOptions Options => workload.Options;

    private NetworkRig Rig => cluster.Rig;

    private FaultLog Faults => cluster.Run.Faults;

    /// <summary>The seed from RUNNEL_FAULT_SEED (to replay a run), else a fresh one; always printed by the scenario.</summary>
    public static int Seed { get; } = int.TryParse(Environment.GetEnvironmentVariable("RUNNEL_FAULT_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
        ? seed : Random.Shared.Next();

    public async Task RunAsync(ReplicatedFault fault)
    {
        var view = await cluster.WaitHealthyAsync(Options.Topic, Options.Partitions, HealTimeout);
        switch (fault)
        {
            case ReplicatedFault.KillLeader:
                await KillLeaderAsync(PickLeader(view));
                break;
            case ReplicatedFault.PauseLeader:
                await PauseLeaderAsync(PickLeader(view));
                break;
            case ReplicatedFault.IsolateLeader:
                await IsolateLeaderAsync(PickLeader(view));
                break;
            case ReplicatedFault.DataPortThenFull:
                await DataPortThenFullAsync(PickLeader(view));
                break;
            case ReplicatedFault.MinorityPartition:
                await MinorityPartitionAsync();
                break;
            case ReplicatedFault.LaggingFollower:
                await LaggingFollowerAsync(view);
                break;
            case ReplicatedFault.DegradedLinks:
                await DegradedLinksAsync();
                break;
            case ReplicatedFault.WholeClusterRestart:
                await WholeClusterRestartAsync();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, null);
        }
        await cluster.WaitHealthyAsync(Options.Topic, Options.Partitions, HealTimeout);
        await ProgressAsync();
    }

    private async Task KillLeaderAsync((int Partition, NodeProcess Leader) target)
    {
        var (partition, leader) = target;
        await leader.KillAsync();
        // The connection-loss grace fences it within a second: every partition it led moves to a survivor.
        await LedWithoutAsync(leader, partition);
        await ProgressAsync();
        await HoldAsync(0, 2);
        await leader.RestartAsync();
    }

    private async Task PauseLeaderAsync((int Partition, NodeProcess Leader) target)
    {
        var (_, leader) = target;
        await leader.PauseAsync();
        // Below or past the session timeout: a stall the cluster rides out, or one after which a zombie leader wakes.
        await HoldAsync(1, NodeSettings.SessionTimeoutMs / 1000.0 + 3);
        await leader.ResumeAsync();
    }

    private async Task IsolateLeaderAsync((int Partition, NodeProcess Leader) target)
    {
        var (partition, leader) = target;
        // Clients still reach it: whatever it accepts after the cut must not be acknowledged.
        await Rig.IsolateAsync(leader.Host);
        await LedWithoutAsync(leader, partition);
        await ProgressAsync();
        await HoldAsync(0, 3);
        await Rig.HealAsync(leader.Host);
    }

    /// <summary>
    /// Kafka 0.8 lost acknowledged writes here (Jepsen, 2013): its followers fell out of the ISR, the leader kept
    /// acknowledging alone, then was cut off and an old follower was elected. With min.insync.replicas=2 the lone
    /// leader must refuse acks=all, and no unclean election may follow.
    /// </summary>
    private async Task DataPortThenFullAsync((int Partition, NodeProcess Leader) target)
    {
        var (partition, leader) = target;
        await Rig.CutPortAsync(leader.Host, NodeSettings.ClientPort);
        // Replication runs over the data port, so every partition (each has a replica on it) shrinks its ISR.
        await ReplicatedCluster.UntilAsync(cluster.Except(leader), Options.Topic, v => v.All(p => p.Isr.Length < ReplicatedCluster.NodeCount),
            TimeSpan.FromMilliseconds(ReplicatedCluster.ReplicaLagTimeMs) + TimeSpan.FromSeconds(20), "every ISR shrunk after the data-port cut");
        Faults.Note($"every ISR shrunk; partition {partition}'s is now led by its old leader alone or without it");
        await HoldAsync(0, 2);
        await Rig.IsolateAsync(leader.Host);
        // Fenced after the session timeout: its partitions move to in-sync survivors, or have no leader at all
        // where it was the ISR's last member (no unclean election).
        await ReplicatedCluster.UntilAsync(cluster.Except(leader), Options.Topic, v => v.All(p => p.Leader != leader.NodeId), FailoverTimeout,
            $"no partition led by the isolated node {leader.NodeId}");
        await HoldAsync(0, 2);
        await Rig.HealAsync(leader.Host);
    }

    private async Task MinorityPartitionAsync()
    {
        var controller = await ReplicatedCluster.ActiveControllerAsync(cluster.Nodes, HealTimeout);
        // Mostly the active controller (its loss costs an election too), sometimes another node.
        var minority = random.Next(3) > 0 ? cluster.Node(controller) : cluster.Nodes.Where(n => n.NodeId != controller).ElementAt(random.Next(2));
        var majority = cluster.Except(minority);
        await Rig.SplitAsync(minority.Host);
        var next = await ReplicatedCluster.ActiveControllerAsync(majority, FailoverTimeout, id => id != minority.NodeId);
        Faults.Note($"the majority's active controller: node {next}");
        await ReplicatedCluster.UntilAsync(majority, Options.Topic, v => v.All(p => p.Leader >= 0 && p.Leader != minority.NodeId), FailoverTimeout,
            $"every partition led by the majority, none by node {minority.NodeId}");
        await ProgressAsync();
        await HoldAsync(0, 3);
        await Rig.HealAllAsync();
    }

    private async Task LaggingFollowerAsync(IReadOnlyList<KafkaProbe.PartitionState> view)
    {
        var partition = view[random.Next(view.Count)];
        var followers = partition.Isr.Where(id => id != partition.Leader).ToList();
        var follower = cluster.Node(followers[random.Next(followers.Count)]);
        var fault = Rig.HasNetem
            ? new LinkFault(Delay: TimeSpan.FromMilliseconds(300), Jitter: TimeSpan.FromMilliseconds(100))
            : new LinkFault(LossPercent: 25, RateKbit: 256);
        Faults.Note($"follower of partition {partition.Partition}: node {follower.NodeId}");
        await Rig.DegradeLinkAsync(follower.Host, fault);
        // Around replica.lag.time.max.ms: it may or may not leave the ISR before the heal.
        await HoldAsync(2, ReplicatedCluster.ReplicaLagTimeMs / 1000.0 + 3);
        await Rig.HealAsync(follower.Host);
    }

    private async Task DegradedLinksAsync()
    {
        var fault = Rig.HasNetem
            ? new LinkFault(Delay: TimeSpan.FromMilliseconds(40), Jitter: TimeSpan.FromMilliseconds(20), LossPercent: 3)
            : new LinkFault(LossPercent: 5);
        foreach (var host in Rig.Hosts)
            await Rig.DegradeLinkAsync(host, fault);
        // Writes still go through on a bad network, only slower.
        await ProgressAsync();
        await HoldAsync(1, 4);
        await Rig.HealAllAsync();
    }

    private async Task WholeClusterRestartAsync()
    {
        var acknowledged = workload.History.Acknowledged;
        await cluster.KillAllAsync();
        Faults.Note($"{acknowledged.ToString(CultureInfo.InvariantCulture)} writes acknowledged before the crash; all must survive it");
        await HoldAsync(0, 2);
        await Task.WhenAll(cluster.Nodes.Select(n => n.RestartAsync()));
    }

    /// <summary>A seeded partition and the node that leads it.</summary>
    private (int Partition, NodeProcess Leader) PickLeader(IReadOnlyList<KafkaProbe.PartitionState> view)
    {
        var partition = view[random.Next(view.Count)];
        Faults.Note($"target: partition {partition.Partition}, led by node {partition.Leader}");
        return (partition.Partition, cluster.Node(partition.Leader));
    }

    /// <summary>The other nodes agree that no partition is led by <paramref name="gone"/> and <paramref name="partition"/> has a new leader.</summary>
    private async Task LedWithoutAsync(NodeProcess gone, int partition)
    {
        var view = await ReplicatedCluster.UntilAsync(cluster.Except(gone), Options.Topic, v => v.All(p => p.Leader >= 0 && p.Leader != gone.NodeId), FailoverTimeout,
            $"every partition led by a node other than {gone.NodeId}");
        Faults.Note($"partition {partition} failed over to node {view[partition].Leader} (epoch {view[partition].LeaderEpoch})");
    }

    private Task ProgressAsync() => workload.WaitForProgressAsync(Progress, ProgressTimeout);

    /// <summary>The fault's own length: a seeded time in [min, max) seconds, not a wait for anything.</summary>
    private async Task HoldAsync(double minSeconds, double maxSeconds)
    {
        var hold = TimeSpan.FromSeconds(minSeconds + random.NextDouble() * (maxSeconds - minSeconds));
        Faults.Note(string.Create(CultureInfo.InvariantCulture, $"hold {hold.TotalSeconds:F1} s"));
        await Task.Delay(hold);
    }
}
