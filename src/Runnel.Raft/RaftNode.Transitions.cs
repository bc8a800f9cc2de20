using Microsoft.Extensions.Logging;
using Runnel.Raft.State;

namespace Runnel.Raft;

/// <summary>Moving between roles; every move that changes the election state persists it first.</summary>
public sealed partial class RaftNode
{
    private ElectionState LoadState()
    {
        var stored = _store.Read();
        if (stored is not null)
            return stored.Recovering && !IsVoter ? stored with { Recovering = false } : stored;
        // No quorum state: a new disk, or one that lost its state. Either way this node cannot know whom it voted for,
        // so it starts out recovering (RaftNode.Recovery) and says so durably before doing anything else. An observer
        // (a broker-only node) never votes, so it has no vote to forget: it looks for the leader at once.
        var fresh = IsVoter ? ElectionState.Fresh : ElectionState.Fresh with { Recovering = false };
        _store.Write(fresh);
        return fresh;
    }

    private void Start()
    {
        _role = RaftRole.Unattached;
        _electionDeadline = _now + RandomElectionTimeout();
        if (_state.LeaderId == _id)
        {
            // We led this epoch before the restart; a new incarnation must not lead it again (its log may have lost
            // unflushed appends the followers already hold).
            _role = RaftRole.Resigned;
        }
        else if (_state.LeaderId is { } leader)
        {
            BecomeFollower(_state.Epoch, leader);
        }
        if (_voters.Count == 1 && IsVoter)
        {
            // A lone voter needs nobody: it cannot have a conflicting past vote, so it leads at once.
            if (_state.Recovering)
                Persist(_state with { Recovering = false, VoteFloor = _state.Epoch });
            BecomeCandidate();
        }
    }

    private void Persist(ElectionState state)
    {
        if (state == _state)
            return;
        if (state.Epoch < _state.Epoch)
            throw new RaftInvariantException($"Node {_id}: epoch would go back from {_state.Epoch} to {state.Epoch}.");
        _store.Write(state);
        _state = state;
    }

    private void BecomeUnattached(int epoch)
    {
        var changed = epoch != _state.Epoch;
        Persist(changed ? _state with { Epoch = epoch, VotedId = null, LeaderId = null } : _state);
        LeaveRole();
        _role = RaftRole.Unattached;
        _electionDeadline = _now + RandomElectionTimeout();
        if (changed)
            _machine.OnLeaderChange(epoch, null);
    }

    private void BecomeFollower(int epoch, int leader)
    {
        if (leader == _id)
            throw new RaftInvariantException($"Node {_id} asked to follow itself in epoch {epoch}.");
        var same = epoch == _state.Epoch && _role == RaftRole.Follower && _state.LeaderId == leader;
        Persist(_state with { Epoch = epoch, VotedId = epoch == _state.Epoch ? _state.VotedId : null, LeaderId = leader });
        if (same)
            return;
        LeaveRole();
        _role = RaftRole.Follower;
        _fetchDeadline = _now + _config.FetchTimeoutMs;
        _nextFetchAt = _now;
        _logger.LogInformation("Node {Id} follows {Leader} in epoch {Epoch}", _id, leader, epoch);
        _machine.OnLeaderChange(epoch, leader);
    }

    /// <summary>Starts a pre-vote round for the next epoch; nothing is persisted and no epoch changes (KIP-996).</summary>
    private void StartProspective()
    {
        var leader = _role == RaftRole.Follower ? _state.LeaderId : null;
        // Campaigning because this epoch's leader refuses connections (see LeaderDown): a refused round is retried
        // soon, since the voters that refused it may only not have noticed yet.
        var down = _downLeader is { } d && d.Epoch == _state.Epoch
            && (leader == d.Leader || (_role == RaftRole.Prospective && _prospectiveLeader == d.Leader));
        leader ??= down ? _downLeader!.Value.Leader : null;
        LeaveRole();
        _role = RaftRole.Prospective;
        _prospectiveLeader = leader;
        _round++;
        _granted.Clear();
        _rejected.Clear();
        _granted.Add(_id);
        _electionDeadline = _now + (!down ? RandomElectionTimeout() : _config.ElectionTimeoutMs / Math.Max(1, _voters.Count) + _random.Next(Math.Max(1, _config.RetryBackoffMs)));
        if (_granted.Count >= _voters.MajoritySize)
        {
            BecomeCandidate();
            return;
        }
        foreach (var voter in _voters.Ids.Where(v => v != _id))
            Send(voter, Protocol.ApiKey.Vote, Messages.RaftRequests.Vote(_config.ClusterId, voter, _id, _state.Epoch + 1, LastPosition, preVote: true));
    }

    private void BecomeCandidate()
    {
        var epoch = Math.Max(_state.Epoch, _state.VoteFloor) + 1;
        Persist(_state with { Epoch = epoch, VotedId = _id, LeaderId = null });
        LeaveRole();
        _role = RaftRole.Candidate;
        _round++;
        _granted.Clear();
        _rejected.Clear();
        _granted.Add(_id);
        _electionDeadline = _now + RandomElectionTimeout();
        _logger.LogInformation("Node {Id} is a candidate in epoch {Epoch}", _id, epoch);
        _machine.OnLeaderChange(epoch, null);
        if (_granted.Count >= _voters.MajoritySize)
        {
            BecomeLeader();
            return;
        }
        foreach (var voter in _voters.Ids.Where(v => v != _id))
            Send(voter, Protocol.ApiKey.Vote, Messages.RaftRequests.Vote(_config.ClusterId, voter, _id, epoch, LastPosition, preVote: false));
    }

    /// <summary>The common handling of any epoch and leader learned from a peer (Kafka's maybeHandleCommonResponse).</summary>
    private void ObserveLeader(int epoch, int leaderId)
    {
        int? leader = leaderId >= 0 ? leaderId : null;
        if (epoch > _state.Epoch)
        {
            if (leader is { } l && l != _id)
                BecomeFollower(epoch, l);
            else if (!_state.Recovering)
                BecomeUnattached(epoch);
            return;
        }
        if (epoch < _state.Epoch || leader is not { } known || known == _id)
            return;
        if (_role is RaftRole.Leader or RaftRole.Resigned)
            throw new RaftInvariantException($"Node {_id} led epoch {epoch}, but {known} claims to lead it too.");
        // A prospective node already knows this leader (it stopped hearing from it): news of it is no reason to stop.
        if (_role == RaftRole.Prospective && _prospectiveLeader == known)
            return;
        if (_role != RaftRole.Follower || _state.LeaderId != known)
            BecomeFollower(epoch, known);
    }

    /// <summary>Clears what belongs to the role being left.</summary>
    private void LeaveRole()
    {
        if (_role == RaftRole.Leader)
            _leaderState = null;
        _fetchInFlight = null;
        _download = null;
        _prospectiveLeader = null;
        _electionDeadline = long.MaxValue;
        _fetchDeadline = long.MaxValue;
    }

    private OffsetAndEpoch LastPosition => new(_log.EndOffset, _log.LastEpoch);
}

/// <summary>The core found itself about to break a safety invariant; the node must stop rather than go on.</summary>
public sealed class RaftInvariantException(string message) : Exception(message);
