namespace Runnel.Raft.Tests.Simulation;

/// <summary>A liveness expectation was not met in time (no leader, no progress).</summary>
internal sealed class LivenessFailure(string message) : Exception(message);

/// <summary>
/// One seeded run: scheduler, cluster, network faults drawn from the seed, and the invariants wired to run after
/// every event. Scenarios script faults on top and wait for progress with <see cref="Await"/>.
/// </summary>
internal sealed class Sim
{
    /// <summary>Kafka's ratios at a tenth of the scale, so a run covers many elections in little virtual time.</summary>
    public static readonly RaftConfig Config = new()
    {
        ElectionTimeoutMs = 300,
        ElectionBackoffMaxMs = 300,
        FetchTimeoutMs = 600,
        RequestTimeoutMs = 300,
        RetryBackoffMs = 20,
        FetchMaxWaitMs = 100,
        FetchMaxBytes = 2048,
        SnapshotChunkBytes = 4096,
    };

    public Sim(int seed, int voters, RaftConfig? config = null, int observers = 0)
    {
        Seed = seed;
        Scheduler = new Scheduler(seed);
        Cluster = new SimCluster(Scheduler, voters, config ?? Config, observers);
        Invariants = new Invariants(Cluster);
        var watch = SimTrace.Writer is null ? null : SimTrace.Watch(Cluster);
        Scheduler.AfterEvent = watch is null ? Invariants.Check : () =>
        {
            watch();
            Invariants.Check();
        };
        var random = Scheduler.Random;
        Network.DropRate = random.Next(3) == 0 ? 0 : random.NextDouble() * 0.05;
        Network.DuplicateRate = random.Next(3) == 0 ? 0 : random.NextDouble() * 0.05;
        Network.MaxDelayMs = random.Next(2, 25);
    }

    public int Seed { get; }

    public Scheduler Scheduler { get; }

    public SimCluster Cluster { get; }

    public SimNetwork Network => Cluster.Network;

    public Invariants Invariants { get; }

    public Random Random => Scheduler.Random;

    public long Now => Scheduler.Now;

    /// <summary>Runs until <paramref name="condition"/> holds, or fails the run as a liveness failure.</summary>
    public void Await(Func<bool> condition, string what, long limitMs = 30_000)
    {
        if (!Scheduler.RunUntil(condition, limitMs))
            throw new LivenessFailure($"{what}: not reached within {limitMs} ms of virtual time (now {Now}).");
    }

    /// <summary>
    /// Starts every node and the client, and waits until the quorum has formed (every voter heard every other once,
    /// so none is still recovering: see RaftNode.Recovery) and committed some entries.
    /// </summary>
    public void Boot(long entries = 10)
    {
        Cluster.StartAll();
        Cluster.StartClient();
        Await(() => Cluster.AnyReached(entries) && Cluster.Running.All(n => !n.Raft!.IsRecovering), $"a formed quorum and {entries} committed entries");
    }

    /// <summary>Waits until the quorum commits <paramref name="more"/> entries past the highest watermark so far.</summary>
    public void AwaitProgress(long more = 10, string what = "progress")
    {
        var target = Cluster.MaxHighWatermark + more;
        Await(() => Cluster.AnyReached(target), $"{what} to offset {target}");
    }

    /// <summary>Heals, restarts everyone, and waits until every node has committed past the newest offset.</summary>
    public void Converge(long more = 10)
    {
        Network.Heal();
        foreach (var node in Cluster.Nodes)
            Cluster.Start(node.Id);
        var target = Math.Max(Cluster.MaxHighWatermark, Invariants.Committed.Count) + more;
        Await(() => Cluster.AllReached(target) && Cluster.Nodes.All(n => !n.Raft!.IsRecovering), $"every node at offset {target}");
    }

    /// <summary>
    /// The most the nodes in <paramref name="cutOff"/> could ever commit from now on: a majority needs some voters of
    /// the other side, and those hold (in any log, flushed or not) only what they hold now. Entries the cut-off side
    /// writes later reach none of them.
    /// </summary>
    public long CommitBound(IReadOnlyCollection<int> cutOff)
    {
        var needed = Cluster.MajoritySize - cutOff.Count;
        var ends = Cluster.Nodes.Where(n => !cutOff.Contains(n.Id)).Select(n => n.Log.EndOffset).OrderDescending().ToList();
        return needed <= 0 ? long.MaxValue : ends[needed - 1];
    }

    public SimNode RandomRunning() => Cluster.Running.ElementAt(Random.Next(Cluster.Running.Count()));
}
