using Runnel.Raft.Messages;

namespace Runnel.Raft.Tests.Simulation;

/// <summary>
/// The virtual network: every message is encoded and decoded at its wire version, then delayed by a random time
/// (so messages reorder), and may be dropped, duplicated, or blocked by a partition (checked when sent and when it
/// would arrive). A response reaches only the incarnation that sent the request, as a TCP connection would.
/// </summary>
internal sealed class SimNetwork(Scheduler scheduler, Func<int, SimNode> nodes, Action<SimNode> delivered)
{
    private readonly HashSet<(int From, int To)> _blocked = [];
    private readonly Dictionary<(int Node, int CorrelationId), int> _requestIncarnations = [];

    public double DropRate { get; set; }

    public double DuplicateRate { get; set; }

    public int MinDelayMs { get; set; } = 1;

    public int MaxDelayMs { get; set; } = 15;

    public long Sent { get; private set; }

    public long Dropped { get; private set; }

    public bool IsBlocked(int from, int to) => _blocked.Contains((from, to));

    /// <summary>Cuts every link between the two groups, both ways.</summary>
    public void Partition(IEnumerable<int> side, IEnumerable<int> other)
    {
        var others = other.ToList();
        SimTrace.Line(scheduler.Now, $"partition [{string.Join(',', side)}] | [{string.Join(',', others)}]");
        foreach (var a in side)
        {
            foreach (var b in others)
            {
                _blocked.Add((a, b));
                _blocked.Add((b, a));
            }
        }
    }

    public void Heal()
    {
        SimTrace.Line(scheduler.Now, "heal");
        _blocked.Clear();
    }

    public IRaftNetwork For(SimNode node) => new Endpoint(this, node);

    private sealed class Endpoint(SimNetwork network, SimNode node) : IRaftNetwork
    {
        private readonly int _incarnation = node.Incarnation;

        public void Send(RaftMessage message) => network.Send(message, _incarnation);
    }

    private void Send(RaftMessage message, int senderIncarnation)
    {
        Sent++;
        if (message.IsRequest)
            _requestIncarnations[(message.Source, message.CorrelationId)] = senderIncarnation;
        var random = scheduler.Random;
        if (IsBlocked(message.Source, message.Destination) || random.NextDouble() < DropRate)
        {
            Dropped++;
            return;
        }
        var copies = random.NextDouble() < DuplicateRate ? 2 : 1;
        for (var i = 0; i < copies; i++)
        {
            var wire = RaftWire.RoundTrip(message);
            scheduler.After(random.Next(MinDelayMs, MaxDelayMs + 1), () => Deliver(wire));
        }
    }

    private static string Describe(Protocol.Primitives.IKafkaMessage body) => body switch
    {
        Protocol.Messages.VoteRequest r when RaftRequests.Single(r) is { } p => $"epoch {p.CandidateEpoch} last {p.LastOffset}@{p.LastOffsetEpoch} pre {p.PreVote}",
        Protocol.Messages.VoteResponse r when RaftRequests.Single(r) is { } p => $"err {p.ErrorCode} epoch {p.LeaderEpoch} leader {p.LeaderId} granted {p.VoteGranted}",
        Protocol.Messages.FetchRequest r when RaftRequests.Single(r) is { } p => $"epoch {p.CurrentLeaderEpoch} at {p.FetchOffset}@{p.LastFetchedEpoch}",
        Protocol.Messages.FetchResponse r when RaftRequests.Single(r) is { } p => $"err {p.ErrorCode} leader {p.CurrentLeader.LeaderId}@{p.CurrentLeader.LeaderEpoch} hw {p.HighWatermark} div {p.DivergingEpoch.EndOffset}@{p.DivergingEpoch.Epoch} snap {p.SnapshotId.EndOffset} bytes {p.Records?.Length}",
        Protocol.Messages.BeginQuorumEpochRequest r when RaftRequests.Single(r) is { } p => $"leader {p.LeaderId}@{p.LeaderEpoch}",
        _ => "",
    };

    private void Deliver(RaftMessage message)
    {
        var node = nodes(message.Destination);
        if (IsBlocked(message.Source, message.Destination) || node.Raft is not { } raft)
        {
            Dropped++;
            return;
        }
        if (!message.IsRequest && _requestIncarnations.GetValueOrDefault((message.Destination, message.CorrelationId)) != node.Incarnation)
        {
            Dropped++;
            return;
        }
        if (SimTrace.Writer is not null)
            SimTrace.Line(scheduler.Now, $"  {message} {Describe(message.Body)}");
        raft.Handle(message, scheduler.Now);
        delivered(node);
    }
}
