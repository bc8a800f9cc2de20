namespace Runnel.Raft.Tests.Simulation;

/// <summary>
/// The scripted fault scenarios (Kafka's RaftEventSimulationTest list, plus check-quorum and lost disks). Each takes
/// a seed and throws <see cref="InvariantViolation"/> or <see cref="LivenessFailure"/> when it fails.
/// </summary>
internal static class Scenarios
{
    public static readonly IReadOnlyDictionary<string, Func<int, Sim>> All = new SortedDictionary<string, Func<int, Sim>>(StringComparer.Ordinal)
    {
        ["InitialElection"] = InitialElection,
        ["LeaderKilled"] = LeaderKilled,
        ["AllKilledMajorityRestarted"] = AllKilledMajorityRestarted,
        ["LeaderPartitionedAway"] = LeaderPartitionedAway,
        ["SplitThreeTwo"] = SplitThreeTwo,
        ["BackToBackFailures"] = BackToBackFailures,
        ["EmptyDiskRestart"] = EmptyDiskRestart,
        ["Chaos"] = Chaos,
        ["LeaderChurn"] = LeaderChurn,
        ["ObserverFollows"] = ObserverFollows,
    };

    private static int Voters(int seed) => 3 + seed % 3;

    private static Sim InitialElection(int seed)
    {
        var sim = new Sim(seed, Voters(seed));
        sim.Boot(20);
        sim.Converge();
        return sim;
    }

    private static Sim LeaderKilled(int seed)
    {
        var sim = new Sim(seed, Voters(seed));
        sim.Boot();
        var old = sim.Cluster.Leader!;
        var epoch = old.Raft!.Epoch;
        sim.Cluster.Kill(old.Id);
        // Its connections reset and then refuse: the followers campaign at once, so on a network that loses nothing a
        // successor is elected before the fetch timeout that would otherwise have to pass first. (A lost vote waits
        // out an election timeout.)
        var limit = sim.Network.DropRate == 0 ? Sim.Config.FetchTimeoutMs : 30_000;
        sim.Await(() => sim.Cluster.Leader is { } l && l.Raft!.Epoch > epoch, "a new leader after the old one was killed", limit);
        sim.AwaitProgress();
        sim.Converge();
        return sim;
    }

    private static Sim AllKilledMajorityRestarted(int seed)
    {
        var sim = new Sim(seed, Voters(seed));
        sim.Boot();
        foreach (var node in sim.Cluster.Nodes)
            sim.Cluster.Kill(node.Id);
        sim.Scheduler.RunFor(sim.Random.Next(1000));
        foreach (var node in sim.Cluster.Nodes.OrderBy(_ => sim.Random.Next()).Take(sim.Cluster.MajoritySize).ToList())
            sim.Cluster.Start(node.Id);
        sim.AwaitProgress(10, "progress with a bare majority");
        sim.Converge();
        return sim;
    }

    /// <summary>
    /// KAFKA-15489: the leader loses every link. It must resign within the check-quorum timeout (plus a poll) and
    /// never commit alone, while the rest elect a new leader and go on.
    /// </summary>
    private static Sim LeaderPartitionedAway(int seed)
    {
        var sim = new Sim(seed, Voters(seed));
        sim.Boot();
        var old = sim.Cluster.Leader!;
        var oldRaft = old.Raft!;
        var others = sim.Cluster.Nodes.Where(n => n.Id != old.Id).Select(n => n.Id).ToList();
        sim.Network.Partition([old.Id], others);
        var bound = sim.CommitBound([old.Id]);
        sim.Await(() => !oldRaft.IsLeader, "the isolated leader resigns", Sim.Config.CheckQuorumTimeoutMs + 50);
        if (oldRaft.HighWatermark > bound)
            throw new InvariantViolation($"Isolated leader {old.Id} committed alone: high watermark {oldRaft.HighWatermark} past {bound}.");
        sim.Await(() => sim.Cluster.Running.Any(n => n.Id != old.Id && n.Raft!.IsLeader), "a leader among the rest");
        sim.AwaitProgress(10, "progress without the old leader");
        sim.Converge();
        return sim;
    }

    /// <summary>Five voters split three and two, several times; only the three may commit.</summary>
    private static Sim SplitThreeTwo(int seed)
    {
        var sim = new Sim(seed, 5);
        sim.Boot();
        for (var round = 0; round < 3; round++)
        {
            var shuffled = sim.Cluster.Nodes.Select(n => n.Id).OrderBy(_ => sim.Random.Next()).ToList();
            var majority = shuffled.Take(3).ToList();
            var minority = shuffled.Skip(3).ToList();
            sim.Network.Partition(majority, minority);
            var bound = sim.CommitBound(minority);
            var target = sim.Cluster.MaxHighWatermark + 10;
            sim.Await(() => majority.Any(id => sim.Cluster[id].Raft!.HighWatermark >= target), "progress on the majority side");
            if (minority.Max(id => sim.Cluster[id].Raft!.HighWatermark) > bound)
                throw new InvariantViolation($"The minority side [{string.Join(',', minority)}] committed on its own, past {bound}.");
            sim.Network.Heal();
            sim.AwaitProgress(5, "progress after healing");
        }
        sim.Converge();
        return sim;
    }

    /// <summary>Kill the leader, then the next one as soon as it is elected; a majority remains.</summary>
    private static Sim BackToBackFailures(int seed)
    {
        var sim = new Sim(seed, 5);
        sim.Boot();
        var first = sim.Cluster.Leader!;
        var epoch = first.Raft!.Epoch;
        sim.Cluster.Kill(first.Id);
        sim.Await(() => sim.Cluster.Leader is { } l && l.Raft!.Epoch > epoch, "a second leader");
        var second = sim.Cluster.Leader!;
        epoch = second.Raft!.Epoch;
        sim.Cluster.Kill(second.Id);
        sim.Await(() => sim.Cluster.Leader is { } l && l.Raft!.Epoch > epoch, "a third leader");
        sim.AwaitProgress(10, "progress after two leader failures");
        sim.Converge();
        return sim;
    }

    /// <summary>
    /// A voter loses its disk (log and quorum state) and restarts empty. It must not vote until recovered, and no
    /// committed entry may be lost. Half the seeds also kill another voter while the wiped one recovers.
    /// </summary>
    private static Sim EmptyDiskRestart(int seed)
    {
        var sim = new Sim(seed, Voters(seed));
        sim.Invariants.CheckMajority = false;
        sim.Boot(20);
        var wiped = sim.Random.Next(2) == 0 ? sim.Cluster.Leader! : sim.RandomRunning();
        sim.Cluster.KillAndWipe(wiped.Id);
        sim.Await(() => sim.Cluster.HasStableLeader, "a stable leader without the wiped node");
        sim.AwaitProgress(5);
        sim.Cluster.Start(wiped.Id);
        if (seed % 2 == 0)
        {
            var other = sim.Cluster.Running.Where(n => n.Id != wiped.Id).OrderBy(_ => sim.Random.Next()).First();
            sim.Cluster.Kill(other.Id);
            sim.Scheduler.RunFor(sim.Random.Next(200, 3000));
        }
        sim.Converge(20);
        return sim;
    }

    /// <summary>
    /// Leaders die one after another while followers fetch one batch at a time, so logs keep diverging in their
    /// newest epochs: the interleavings behind Raft's "figure 8" (committing an older epoch's entry by counting
    /// replicas) and fast double failovers (KAFKA-6361).
    /// </summary>
    private static Sim LeaderChurn(int seed)
    {
        var sim = new Sim(seed, 3 + seed % 2 * 2, Sim.Config with { FetchMaxBytes = 600 });
        sim.Boot();
        var end = sim.Now + 8_000;
        while (sim.Now < end)
        {
            sim.Scheduler.RunFor(sim.Random.Next(50, 600));
            if (sim.Cluster.Leader is { } leader && sim.Cluster.Running.Count() == sim.Cluster.Voters.Count)
                sim.Cluster.Kill(leader.Id);
            else if (sim.Cluster.Nodes.FirstOrDefault(n => !n.IsRunning) is { } dead)
                sim.Cluster.Start(dead.Id);
        }
        sim.Converge();
        return sim;
    }

    /// <summary>
    /// A broker-only node follows the quorum as an observer: it applies what is committed, finds each new leader after
    /// a kill, and after a restart on an empty disk it catches up at once (it has no vote to recover). It never
    /// campaigns or votes, so it never leads and stores no vote.
    /// </summary>
    private static Sim ObserverFollows(int seed)
    {
        var sim = new Sim(seed, 3, observers: 1);
        var observer = sim.Cluster.Observers.Single();
        sim.Scheduler.Every(5, 0, () =>
        {
            if (observer.Raft is { Role: not (RaftRole.Follower or RaftRole.Unattached) } raft)
                throw new InvariantViolation($"Observer {observer.Id} became {raft.Role} in epoch {raft.Epoch}.");
            if (observer.Store.Read() is { VotedId: { } voted })
                throw new InvariantViolation($"Observer {observer.Id} stored a vote for {voted}.");
            return true;
        });
        sim.Boot();
        for (var round = 0; round < 2; round++)
        {
            var leader = sim.Cluster.Leader!;
            var epoch = leader.Raft!.Epoch;
            if (round == 1)
            {
                sim.Cluster.KillAndWipe(observer.Id);
                sim.Cluster.Start(observer.Id);
            }
            sim.Cluster.Kill(leader.Id);
            sim.Await(() => sim.Cluster.Leader is { } l && l.Raft!.Epoch > epoch, "a new leader after the old one was killed");
            var target = sim.Cluster.MaxHighWatermark + 10;
            sim.Await(() => observer.Raft!.HighWatermark >= target && observer.Machine.Entries.Count >= target,
                $"the observer applies up to {target} from the new leader");
            sim.Cluster.Start(leader.Id);
        }
        sim.Converge();
        return sim;
    }

    /// <summary>Random faults for a while (kills, restarts, partitions, lossy links, sometimes a wiped disk), then heal.</summary>
    private static Sim Chaos(int seed)
    {
        var sim = new Sim(seed, Voters(seed));
        var wipes = seed % 4 == 0;
        sim.Invariants.CheckMajority = !wipes;
        sim.Boot();
        var end = sim.Now + 10_000;
        while (sim.Now < end)
        {
            sim.Scheduler.RunFor(sim.Random.Next(100, 1500));
            var nodes = sim.Cluster.Nodes.Select(n => n.Id).ToList();
            var target = nodes[sim.Random.Next(nodes.Count)];
            switch (sim.Random.Next(7))
            {
                case 0 when sim.Cluster[target].IsRunning:
                    sim.Cluster.Kill(target);
                    break;
                case 1:
                    sim.Cluster.Start(target);
                    break;
                case 2:
                    var side = nodes.Where(_ => sim.Random.Next(2) == 0).ToList();
                    sim.Network.Partition(side, nodes.Except(side));
                    break;
                case 3:
                    sim.Network.Heal();
                    break;
                case 4 when sim.Cluster.Leader is { } leader:
                    sim.Cluster.Kill(leader.Id);
                    break;
                // One lost disk at a time: losing a second before the first recovered may lose committed data in
                // any quorum, and our rule then (rightly) keeps the quorum down.
                case 5 when wipes && sim.Cluster[target].IsRunning && sim.Cluster.Nodes.All(n => n.Store.Read() is { Recovering: false }):
                    sim.Cluster.KillAndWipe(target);
                    break;
                default:
                    foreach (var node in nodes)
                        sim.Cluster.Start(node);
                    break;
            }
        }
        sim.Converge();
        return sim;
    }
}
