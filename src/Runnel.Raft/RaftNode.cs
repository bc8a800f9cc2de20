using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Raft.Log;
using Runnel.Raft.Messages;
using Runnel.Raft.State;

namespace Runnel.Raft;

/// <summary>Where a node stands in its current epoch (Kafka's QuorumState, with KIP-996's prospective state).</summary>
public enum RaftRole
{
    /// <summary>No leader known in this epoch; may have voted. Campaigns when its election timer fires.</summary>
    Unattached,

    /// <summary>Asking for pre-votes for the next epoch without changing any epoch (KIP-996).</summary>
    Prospective,

    /// <summary>Voted for itself in this epoch and asks the others.</summary>
    Candidate,

    Leader,

    /// <summary>Knows this epoch's leader and fetches from it.</summary>
    Follower,

    /// <summary>Was this epoch's leader and gave up (lost its quorum or shut down); never leads this epoch again.</summary>
    Resigned,
}

/// <summary>
/// One member of the metadata quorum as a pure state machine: <see cref="Handle"/> a message, <see cref="Poll"/> for
/// timers, flushes and sends; every output goes through the seams (network, log, state store, state machine). No
/// threads, clocks or randomness of its own, so a seeded scheduler replays a run exactly.
/// </summary>
/// <remarks>
/// Invariants the code keeps (and the simulation checks):
/// <list type="bullet">
/// <item>The election state (epoch, vote, leader) is fsynced before a vote is granted, a candidacy starts or a
/// follower acts in a new epoch; so one node never votes twice in an epoch, and epochs never go back.</item>
/// <item>A leader's log end counts for the high watermark only once flushed; a follower's only through its next
/// fetch, which it sends after flushing. So a majority holds every offset below the high watermark on disk.</item>
/// <item>The high watermark only rises, and only past the offset where the leader's epoch starts (Raft's rule that a
/// leader commits entries of older epochs only together with one of its own).</item>
/// <item>Nothing below a node's high watermark is ever truncated; the core throws rather than do it.</item>
/// </list>
/// </remarks>
public sealed partial class RaftNode
{
    private readonly int _id;
    private readonly QuorumVoters _voters;
    private readonly RaftConfig _config;
    private readonly IRaftLog _log;
    private readonly IQuorumStateStore _store;
    private readonly IRaftNetwork _network;
    private readonly IRaftStateMachine _machine;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly Dictionary<int, Outstanding> _outstanding = [];
    private ElectionState _state;
    private RaftRole _role;
    private long _now;
    private int _nextCorrelationId;
    private long _highWatermark = -1;
    private long _applied;

    /// <summary>A request this node sent and still expects an answer to.</summary>
    private sealed record Outstanding(int Destination, ApiKey Api, long SentAt, int Epoch, int Round, bool IsProbe = false);

    public RaftNode(int id, QuorumVoters voters, RaftConfig config, IRaftLog log, IQuorumStateStore store, IRaftNetwork network,
        IRaftStateMachine machine, long nowMs, Random random, ILogger? logger = null)
    {
        _id = id;
        _voters = voters;
        _config = config;
        _log = log;
        _store = store;
        _network = network;
        _machine = machine;
        _random = random;
        _logger = logger ?? NullLogger.Instance;
        _now = nowMs;
        // Correlation ids start at random so a response meant for an earlier incarnation is not mistaken for ours.
        _nextCorrelationId = random.Next(1 << 30);
        _state = LoadState();
        LoadSnapshot();
        Start();
    }

    public int Id => _id;

    public RaftRole Role => _role;

    public int Epoch => _state.Epoch;

    public int? LeaderId => _role switch
    {
        RaftRole.Leader => _id,
        RaftRole.Follower => _state.LeaderId,
        _ => null,
    };

    public bool IsLeader => _role == RaftRole.Leader;

    public bool IsVoter => _voters.Contains(_id);

    /// <summary>True while the node recovers from lost state and may neither vote nor campaign.</summary>
    public bool IsRecovering => _state.Recovering;

    /// <summary>Every offset below this is committed; -1 while unknown (after a restart, before a leader tells).</summary>
    public long HighWatermark => _highWatermark;

    /// <summary>The next offset the state machine will be given.</summary>
    public long AppliedOffset => _applied;

    public IRaftLog Log => _log;

    public QuorumVoters Voters => _voters;

    public ElectionState ElectionState => _state;

    /// <summary>Feeds one message from the network.</summary>
    public void Handle(RaftMessage message, long nowMs)
    {
        _now = Math.Max(_now, nowMs);
        if (message.Destination != _id)
            return;
        if (message.IsRequest)
            HandleRequest(message);
        else if (_outstanding.Remove(message.CorrelationId, out var sent) && sent.Destination == message.Source && sent.Api == message.Api)
            HandleResponse(message, sent);
        ApplyCommitted();
    }

    /// <summary>
    /// The request <paramref name="correlationId"/> to <paramref name="destination"/> was lost without a reply (its
    /// connection broke, or none could be opened): it is forgotten, so it is retried after the retry backoff instead
    /// of its request timeout. <paramref name="peerDown"/> says the peer's address refused the connection: nothing
    /// listens there, so its process is not running. When that peer leads this node's epoch, see <see cref="LeaderDown"/>.
    /// </summary>
    public void RequestFailed(int destination, int correlationId, bool peerDown, long nowMs)
    {
        _now = Math.Max(_now, nowMs);
        if (_outstanding.TryGetValue(correlationId, out var sent) && sent.Destination == destination)
        {
            _outstanding.Remove(correlationId);
            if (correlationId == _fetchInFlight)
            {
                _fetchInFlight = null;
                _nextFetchAt = _now + _config.RetryBackoffMs;
            }
        }
        if (peerDown && _role == RaftRole.Follower && _state.LeaderId == destination)
            LeaderDown(destination);
    }

    /// <summary>
    /// Runs timers, flushes what was appended, and sends what is due. Call it after every <see cref="Handle"/> and
    /// <see cref="Append"/>, and again no later than the time it returns: the earliest moment a timer of this node
    /// fires (an election or fetch timeout, a parked fetch's wait, a request's timeout, the check-quorum deadline) when
    /// no message or append comes first.
    /// </summary>
    public long Poll(long nowMs)
    {
        _now = Math.Max(_now, nowMs);
        ExpireRequests();
        switch (_role)
        {
            case RaftRole.Leader:
                PollLeader();
                break;
            case RaftRole.Follower:
                PollFollower();
                break;
            default:
                PollElection();
                break;
        }
        if (_state.Recovering)
            PollRecovery();
        else
            PollDiscovery();
        ApplyCommitted();
        return NextPollMs();
    }

    /// <summary>When a timer of this node next fires; <see cref="long.MaxValue"/> when only input can change it.</summary>
    private long NextPollMs()
    {
        // Appended but not yet flushed (a leader's own epoch-start record, say): the next poll flushes it at once.
        if (_log.FlushedOffset < _log.EndOffset)
            return _now;
        var next = NextProbeMs();
        foreach (var sent in _outstanding.Values)
            next = Math.Min(next, sent.SentAt + _config.RequestTimeoutMs);
        switch (_role)
        {
            case RaftRole.Leader:
                var leader = _leaderState!;
                foreach (var (_, deadline) in leader.Parked)
                    next = Math.Min(next, deadline);
                foreach (var voter in _voters.Ids)
                {
                    if (voter == _id)
                        continue;
                    // A voter stops counting towards the quorum one ms after the check-quorum timeout since its fetch
                    // (one that has already stopped counts again only after a fetch, which is input).
                    var expires = leader.Replicas[voter].LastFetchMs + _config.CheckQuorumTimeoutMs + 1;
                    if (expires > _now)
                        next = Math.Min(next, expires);
                }
                break;
            case RaftRole.Follower:
                next = Math.Min(next, _fetchDeadline);
                if (_fetchInFlight is null && _download is null)
                    next = Math.Min(next, _nextFetchAt);
                break;
            default:
                next = Math.Min(next, _electionDeadline);
                break;
        }
        return next;
    }

    private void HandleRequest(RaftMessage message)
    {
        switch (message.Body)
        {
            case VoteRequest vote:
                HandleVote(message, vote);
                break;
            case BeginQuorumEpochRequest begin:
                HandleBeginEpoch(message, begin);
                break;
            case EndQuorumEpochRequest end:
                HandleEndEpoch(message, end);
                break;
            case FetchRequest fetch:
                HandleFetch(message, fetch);
                break;
            case FetchSnapshotRequest snapshot:
                HandleFetchSnapshot(message, snapshot);
                break;
        }
    }

    private void HandleResponse(RaftMessage message, Outstanding sent)
    {
        switch (message.Body)
        {
            case VoteResponse vote:
                HandleVoteResponse(message, vote, sent);
                break;
            case BeginQuorumEpochResponse begin:
                HandleBeginEpochResponse(message, begin);
                break;
            case EndQuorumEpochResponse end when RaftRequests.Single(end) is { } p:
                Heard(message.Source, p.LeaderEpoch);
                ObserveLeader(p.LeaderEpoch, p.LeaderId);
                break;
            case FetchResponse fetch:
                HandleFetchResponse(message, fetch, sent);
                break;
            case FetchSnapshotResponse snapshot:
                HandleFetchSnapshotResponse(message, snapshot, sent);
                break;
        }
    }

    private int Send(int destination, ApiKey api, IKafkaMessage body, bool probe = false)
    {
        var correlationId = _nextCorrelationId++;
        _outstanding[correlationId] = new Outstanding(destination, api, _now, _state.Epoch, _round, probe);
        _network.Send(new RaftMessage(_id, destination, correlationId, api, IsRequest: true, body));
        return correlationId;
    }

    private void Reply(RaftMessage request, IKafkaMessage body)
        => _network.Send(new RaftMessage(_id, request.Source, request.CorrelationId, request.Api, IsRequest: false, body));

    private bool HasOutstanding(int destination, ApiKey api) => _outstanding.Values.Any(o => o.Destination == destination && o.Api == api);

    /// <summary>Forgets requests unanswered for a request timeout, so they are retried.</summary>
    private void ExpireRequests()
    {
        List<int>? expired = null;
        foreach (var (id, sent) in _outstanding)
        {
            if (_now - sent.SentAt >= _config.RequestTimeoutMs)
                (expired ??= []).Add(id);
        }
        foreach (var id in expired ?? [])
        {
            _outstanding.Remove(id);
            if (id == _fetchInFlight)
                _fetchInFlight = null;
        }
    }

    /// <summary>A request from another cluster (a misconfigured node) is refused outright.</summary>
    private bool WrongCluster(string? clusterId) => _config.ClusterId is { } ours && clusterId is not null && clusterId != ours;

    private long RandomElectionTimeout() => _config.ElectionTimeoutMs + _random.Next(Math.Max(1, _config.ElectionBackoffMaxMs));

    public override string ToString() => $"node {_id} {_role} epoch {_state.Epoch} leader {LeaderId} hw {_highWatermark} log [{_log.StartOffset}, {_log.EndOffset})";
}
