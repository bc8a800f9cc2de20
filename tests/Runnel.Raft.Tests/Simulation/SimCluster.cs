using System.Buffers.Binary;
using Runnel.Raft.Log;
using Runnel.Raft.State;

namespace Runnel.Raft.Tests.Simulation;

/// <summary>One simulated machine: a disk that outlives the process, and the process when it runs.</summary>
internal sealed class SimNode(int id)
{
    public int Id { get; } = id;

    public MemoryRaftLog Log { get; set; } = new();

    public MemoryQuorumStateStore Store { get; } = new();

    public SimStateMachine Machine { get; set; } = new();

    public RaftNode? Raft { get; set; }

    public int Incarnation { get; set; }

    /// <summary>Bumped when the disk is wiped; invariants about "this disk" start over.</summary>
    public int DiskGeneration { get; set; }

    /// <summary>Snapshot once this many entries were applied past the last snapshot.</summary>
    public int SnapshotEvery { get; set; } = 50;

    public bool IsRunning => Raft is not null;

    /// <summary>Bumped at every poll, so only the latest scheduled poll runs (an earlier one would hide a missed timer).</summary>
    public long PollGeneration { get; set; }
}

/// <summary>
/// A simulated quorum: voters 1..n on one scheduler and one network, a client that appends unique values to
/// whoever leads, and the faults: kill (the disk forgets what was not flushed), restart, wipe.
/// </summary>
internal sealed class SimCluster
{
    private readonly SortedDictionary<int, SimNode> _nodes = [];
    private long _nextValue = 1;

    /// <param name="observers">Non-voters (broker-only nodes) with the ids after the voters'; they fetch but never vote.</param>
    public SimCluster(Scheduler scheduler, int voters, RaftConfig config, int observers = 0)
    {
        Scheduler = scheduler;
        Config = config;
        Voters = new QuorumVoters(Enumerable.Range(1, voters).Select(i => new VoterEndpoint(i, $"node-{i}", 9093)));
        foreach (var id in Enumerable.Range(1, voters + observers))
            _nodes[id] = new SimNode(id) { SnapshotEvery = scheduler.Random.Next(20, 80) };
        Network = new SimNetwork(scheduler, id => _nodes[id], Poll);
    }

    public Scheduler Scheduler { get; }

    public RaftConfig Config { get; }

    public QuorumVoters Voters { get; }

    public SimNetwork Network { get; }

    public IEnumerable<SimNode> Nodes => _nodes.Values;

    public SimNode this[int id] => _nodes[id];

    public IEnumerable<SimNode> Running => _nodes.Values.Where(n => n.IsRunning);

    public IEnumerable<SimNode> Observers => _nodes.Values.Where(n => !Voters.Contains(n.Id));

    public int MajoritySize => Voters.MajoritySize;

    /// <summary>The running leader with the highest epoch, if any.</summary>
    public SimNode? Leader => Running.Where(n => n.Raft!.IsLeader).MaxBy(n => n.Raft!.Epoch);

    public long MaxHighWatermark => Running.Select(n => n.Raft!.HighWatermark).DefaultIfEmpty(-1).Max();

    public long Appended => _nextValue - 1;

    public void StartAll()
    {
        foreach (var node in _nodes.Values)
            Start(node.Id);
    }

    public void Start(int id)
    {
        var node = _nodes[id];
        if (node.IsRunning)
            return;
        node.Incarnation++;
        node.Machine = new SimStateMachine();
        var machine = node.Machine;
        var raft = new RaftNode(id, Voters, Config, node.Log, node.Store, Network.For(node), machine, Scheduler.Now, new Random(Scheduler.Random.Next()), SimTrace.Logger(Scheduler, id));
        machine.IsLeader = () => raft.IsLeader;
        node.Raft = raft;
        Poll(node);
    }

    /// <summary>
    /// What the driver does after every message and append: polls the node, then schedules the next poll exactly when
    /// the node says its next timer fires (replacing any poll scheduled before). Nothing else polls, so a timer the
    /// node fails to report stalls the run and fails the scenario.
    /// </summary>
    private void Poll(SimNode node)
    {
        if (node.Raft is not { } raft)
            return;
        var due = raft.Poll(Scheduler.Now);
        // A timer due at once (a role change inside the poll) is run by polling again; the driver loops the same way.
        if (due <= Scheduler.Now && (due = raft.Poll(Scheduler.Now)) <= Scheduler.Now)
            throw new InvariantViolation($"Node {node.Id} polled twice at {Scheduler.Now} still reports a timer due at {due}: it would spin.");
        var last = node.Machine.LastApplied;
        if (last.Offset - (node.Log.LatestSnapshot?.Offset ?? 0) >= node.SnapshotEvery)
            raft.CreateSnapshot(last, node.Machine.Serialize());
        var generation = ++node.PollGeneration;
        var incarnation = node.Incarnation;
        if (due == long.MaxValue)
            return;
        Scheduler.At(Math.Max(due, Scheduler.Now + 1), () =>
        {
            if (node.Incarnation == incarnation && node.PollGeneration == generation)
                Poll(node);
        });
    }

    /// <summary>kill -9 followed by power loss: the process is gone and so is every unflushed write.</summary>
    public void Kill(int id)
    {
        var node = _nodes[id];
        node.Raft = null;
        node.Log.Crash();
        Network.ResetConnections(id);
    }

    /// <summary>Kills the node and gives it an empty disk (no log, no quorum state).</summary>
    public void KillAndWipe(int id)
    {
        Kill(id);
        var node = _nodes[id];
        node.Log = new MemoryRaftLog();
        node.Store.Wipe();
        node.DiskGeneration++;
    }

    /// <summary>A client that appends one unique value (sometimes a few) to the leader every few ms.</summary>
    public void StartClient(int periodMs = 20)
    {
        Scheduler.Every(periodMs, periodMs / 2, () =>
        {
            if (Leader?.Raft is { } leader)
            {
                var count = Scheduler.Random.Next(4) == 0 ? Scheduler.Random.Next(2, 5) : 1;
                var values = new List<ReadOnlyMemory<byte>>(count);
                for (var i = 0; i < count; i++)
                {
                    var value = new byte[8];
                    BinaryPrimitives.WriteInt64BigEndian(value, _nextValue++);
                    values.Add(value);
                }
                leader.Append(values);
                Poll(Leader!);
            }
            return true;
        });
    }

    public bool HasStableLeader => Leader is { } leader && Running.Count(n => n.Raft!.LeaderId == leader.Id && n.Raft.Epoch == leader.Raft!.Epoch) >= MajoritySize;

    public bool AllReached(long highWatermark) => Nodes.All(n => n.IsRunning && n.Raft!.HighWatermark >= highWatermark);

    public bool AnyReached(long highWatermark) => Running.Any(n => n.Raft!.HighWatermark >= highWatermark);
}
