using Runnel.Raft.Messages;

namespace Runnel.Raft.Tests.Simulation;

/// <summary>
/// The virtual network: every message is encoded and decoded at its wire version, then delayed by a random time
/// (so messages reorder), and may be dropped, duplicated, or blocked by a partition (checked when sent and when it
/// would arrive). A response reaches only the incarnation that sent the request, as a TCP connection would. A
/// request to a node that is down comes back as a refused connection (the sender is told its peer is down, as the
/// transport tells it when nothing listens at the peer's address); so does a share of the requests a partition
/// blocks (<see cref="RejectRate"/>: a firewall that rejects), where the peer is in fact alive. When a node is
/// killed, the requests it had received and not answered fail at their senders, as its connections reset.
/// </summary>
internal sealed class SimNetwork(Scheduler scheduler, Func<int, SimNode> nodes, Action<SimNode> delivered)
{
    private readonly HashSet<(int From, int To)> _blocked = [];
    private readonly Dictionary<(int Node, int CorrelationId), int> _requestIncarnations = [];

    /// <summary>Requests delivered and not yet answered, by the node holding them.</summary>
    private readonly Dictionary<int, HashSet<RaftMessage>> _held = [];

    public double DropRate { get; set; }

    public double DuplicateRate { get; set; }

    /// <summary>The share of blocked requests reported to their sender as refused (though the peer is alive).</summary>
    public double RejectRate { get; set; } = 0.5;

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

    /// <summary>Node <paramref name="id"/> died: every request it held fails at its sender (a reset connection, not a refusal).</summary>
    public void ResetConnections(int id)
    {
        if (!_held.Remove(id, out var held))
            return;
        foreach (var request in held)
        {
            var incarnation = _requestIncarnations.GetValueOrDefault((request.Source, request.CorrelationId));
            Fail(request, incarnation, peerDown: false);
        }
    }

    private void Send(RaftMessage message, int senderIncarnation)
    {
        Sent++;
        if (!message.IsRequest && _held.TryGetValue(message.Source, out var held))
            held.RemoveWhere(r => r.Source == message.Destination && r.CorrelationId == message.CorrelationId);
        if (message.IsRequest)
            _requestIncarnations[(message.Source, message.CorrelationId)] = senderIncarnation;
        var random = scheduler.Random;
        if (IsBlocked(message.Source, message.Destination) || random.NextDouble() < DropRate)
        {
            Dropped++;
            if (message.IsRequest && IsBlocked(message.Source, message.Destination) && random.NextDouble() < RejectRate)
                Refuse(message, senderIncarnation);
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

    /// <summary>Tells the sender, a moment later, that the connection for <paramref name="request"/> was refused.</summary>
    private void Refuse(RaftMessage request, int senderIncarnation) => Fail(request, senderIncarnation, peerDown: true);

    private void Fail(RaftMessage request, int senderIncarnation, bool peerDown)
    {
        scheduler.After(scheduler.Random.Next(MinDelayMs, MaxDelayMs + 1), () =>
        {
            var sender = nodes(request.Source);
            if (sender.Incarnation != senderIncarnation || sender.Raft is not { } raft)
                return;
            if (SimTrace.Writer is not null)
                SimTrace.Line(scheduler.Now, $"  {request} {(peerDown ? "refused" : "reset")}");
            raft.RequestFailed(request.Destination, request.CorrelationId, peerDown, scheduler.Now);
            delivered(sender);
        });
    }

    private void Deliver(RaftMessage message)
    {
        var node = nodes(message.Destination);
        if (IsBlocked(message.Source, message.Destination) || node.Raft is not { } raft)
        {
            Dropped++;
            if (message.IsRequest && node.Raft is null && !IsBlocked(message.Source, message.Destination)
                && _requestIncarnations.TryGetValue((message.Source, message.CorrelationId), out var incarnation))
            {
                Refuse(message, incarnation);
            }
            return;
        }
        if (!message.IsRequest && _requestIncarnations.GetValueOrDefault((message.Destination, message.CorrelationId)) != node.Incarnation)
        {
            Dropped++;
            return;
        }
        if (SimTrace.Writer is not null)
            SimTrace.Line(scheduler.Now, $"  {message} {Describe(message.Body)}");
        if (message.IsRequest)
        {
            if (!_held.TryGetValue(message.Destination, out var held))
                _held[message.Destination] = held = [];
            held.Add(message);
        }
        raft.Handle(message, scheduler.Now);
        delivered(node);
    }
}
