namespace Runnel.Raft.Tests.Simulation;

/// <summary>A safety property failed; the message says which and where.</summary>
internal sealed class InvariantViolation(string message) : Exception(message);

/// <summary>
/// The safety properties, checked after every event of a run (Kafka's RaftEventSimulationTest invariants, plus
/// committed data checked continuously rather than at the end):
/// <list type="bullet">
/// <item>At most one leader per epoch, by running roles and by stored election states.</item>
/// <item>A disk's stored epoch never goes back; a running node's epoch is its stored one.</item>
/// <item>A node's high watermark never goes back while it runs; a leader's (once its epoch start is committed) never
/// falls below that of a leader of an earlier epoch.</item>
/// <item>Every node commits the same entry at every offset: one reference of committed entries, and every entry any
/// state machine was given must match it (so nothing committed is lost or changed, and all committed prefixes agree).</item>
/// <item>A majority of voters holds (durably, or in a snapshot) the newest committed offset.</item>
/// <item>A log that starts past 0 starts at its snapshot; a leader never loads a snapshot.</item>
/// </list>
/// </summary>
internal sealed class Invariants(SimCluster cluster)
{
    private readonly Dictionary<int, int> _leaderOfEpoch = [];
    private readonly Dictionary<(int Node, int Disk), int> _storedEpochs = [];
    private readonly Dictionary<(int Node, int Incarnation), long> _highWatermarks = [];
    private readonly Dictionary<(int Node, int Incarnation), (int Loads, int Verified)> _verified = [];
    private readonly List<Entry> _committed = [];
    private readonly SortedDictionary<int, long> _leaderHighWatermarks = [];

    /// <summary>Off in runs that wipe a disk: losing a disk loses a copy, as in Kafka's data-loss scenario.</summary>
    public bool CheckMajority { get; set; } = true;

    /// <summary>The committed entries as first seen (offset i at index i).</summary>
    public IReadOnlyList<Entry> Committed => _committed;

    public void Check()
    {
        foreach (var node in cluster.Nodes)
        {
            CheckStoredState(node);
            if (node.Raft is { } raft)
                CheckRunning(node, raft);
        }
        if (CheckMajority)
            CheckMajorityHoldsCommitted();
    }

    private void CheckStoredState(SimNode node)
    {
        if (node.Store.Read() is not { } state)
            return;
        var key = (node.Id, node.DiskGeneration);
        if (_storedEpochs.TryGetValue(key, out var previous) && state.Epoch < previous)
            throw new InvariantViolation($"Node {node.Id}: stored epoch went back from {previous} to {state.Epoch}.");
        _storedEpochs[key] = state.Epoch;
        if (state.LeaderId is { } leader)
            RecordLeader(state.Epoch, leader, $"stored state of node {node.Id}");
        if (node.Raft is { } raft && raft.Epoch != state.Epoch)
            throw new InvariantViolation($"Node {node.Id} runs in epoch {raft.Epoch} but stored {state.Epoch}.");
    }

    private void RecordLeader(int epoch, int leader, string source)
    {
        if (_leaderOfEpoch.TryGetValue(epoch, out var known) && known != leader)
            throw new InvariantViolation($"Two leaders in epoch {epoch}: {known} and {leader} ({source}).");
        _leaderOfEpoch[epoch] = leader;
    }

    private void CheckRunning(SimNode node, RaftNode raft)
    {
        if (raft.IsLeader)
            RecordLeader(raft.Epoch, node.Id, $"node {node.Id} leads");
        var key = (node.Id, node.Incarnation);
        var hw = raft.HighWatermark;
        if (_highWatermarks.TryGetValue(key, out var previous) && hw < previous)
            throw new InvariantViolation($"Node {node.Id}: high watermark went back from {previous} to {hw}.");
        _highWatermarks[key] = hw;
        if (raft.HasLeaderHighWatermark)
        {
            // A leader's high watermark is at least that of every leader of an earlier epoch (a deposed leader that
            // has not noticed yet may lag behind its successor; it is not compared with later epochs).
            foreach (var (epoch, earlier) in _leaderHighWatermarks)
            {
                if (epoch < raft.Epoch && hw < earlier)
                    throw new InvariantViolation($"Leader {node.Id} of epoch {raft.Epoch} has high watermark {hw}, below {earlier} of epoch {epoch}.");
            }
            _leaderHighWatermarks[raft.Epoch] = Math.Max(hw, _leaderHighWatermarks.GetValueOrDefault(raft.Epoch, -1));
        }
        if (node.Log.StartOffset > 0 && node.Log.SnapshotSize(new OffsetAndEpoch(node.Log.StartOffset, node.Log.StartEpoch)) < 0)
            throw new InvariantViolation($"Node {node.Id}: log starts at {node.Log.StartOffset} without a snapshot there.");
        if (node.Machine.SnapshotsLoadedAsLeader > 0)
            throw new InvariantViolation($"Node {node.Id} loaded a snapshot while leading.");
        CheckCommittedEntries(node);
    }

    /// <summary>Compares the entries the node's state machine got since the last check with the reference.</summary>
    private void CheckCommittedEntries(SimNode node)
    {
        var machine = node.Machine;
        var key = (node.Id, node.Incarnation);
        var (loads, verified) = _verified.GetValueOrDefault(key);
        if (loads != machine.Loads)
            verified = 0;
        var entries = machine.Entries;
        for (var i = verified; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Offset != i)
                throw new InvariantViolation($"Node {node.Id}: committed entry {i} has offset {entry.Offset} (a gap or a repeat).");
            if (i < _committed.Count)
            {
                if (_committed[i] != entry)
                    throw new InvariantViolation($"Node {node.Id} committed {entry} where {_committed[i]} was committed.");
            }
            else
            {
                _committed.Add(entry);
            }
        }
        _verified[key] = (machine.Loads, entries.Count);
    }

    private void CheckMajorityHoldsCommitted()
    {
        var end = _committed.Count;
        if (end == 0)
            return;
        var last = _committed[end - 1];
        var holders = 0;
        foreach (var node in cluster.Nodes.Where(n => cluster.Voters.Contains(n.Id)))
        {
            var log = node.Log;
            if (log.DurableEndOffset >= end && (last.Offset < log.DurableStartOffset || log.DurableEpochAt(last.Offset) == last.Epoch))
                holders++;
        }
        if (holders < cluster.MajoritySize)
            throw new InvariantViolation($"Only {holders} voters hold committed offset {last.Offset} on disk; a majority is {cluster.MajoritySize}.");
    }
}
