using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Raft.Messages;

namespace Runnel.Raft;

/// <summary>Pre-votes, votes, and the messages that announce and end an epoch.</summary>
public sealed partial class RaftNode
{
    private readonly HashSet<int> _granted = [];
    private readonly HashSet<int> _rejected = [];
    private long _electionDeadline = long.MaxValue;
    private int? _prospectiveLeader;

    /// <summary>Counts election rounds, so a late answer from an earlier round is not counted in this one.</summary>
    private int _round;

    /// <summary>Unattached, resigned, prospective and candidate nodes campaign when their election timer fires.</summary>
    private void PollElection()
    {
        if (_now < _electionDeadline)
            return;
        if (!IsVoter || _state.Recovering)
        {
            // Observers never campaign; a recovering voter may not until it knows it cannot double-vote.
            _electionDeadline = _now + RandomElectionTimeout();
            return;
        }
        StartProspective();
    }

    private void HandleVote(RaftMessage message, VoteRequest request)
    {
        if (RaftRequests.Single(request) is not { } p || WrongCluster(request.ClusterId))
        {
            Reply(message, RaftRequests.VoteReply(WrongCluster(request.ClusterId) ? ErrorCode.InconsistentClusterId : ErrorCode.InvalidRequest, LeaderId, _state.Epoch, false));
            return;
        }
        var candidate = p.CandidateId;
        var candidateLog = new OffsetAndEpoch(p.LastOffset, p.LastOffsetEpoch);
        var logOk = candidateLog >= LastPosition;
        if (!_voters.Contains(candidate) || !IsVoter)
        {
            Reply(message, RaftRequests.VoteReply(ErrorCode.InconsistentVoterSet, LeaderId, _state.Epoch, false));
            return;
        }
        if (p.PreVote)
        {
            // A pre-vote changes nothing here. Refuse it while a leader is known to be alive: a node that merely lost
            // touch with the leader (a partitioned follower) must not disturb a working quorum.
            var leaderAlive = _role == RaftRole.Leader || (_role == RaftRole.Follower && _now - _lastLeaderContact < _config.FetchTimeoutMs);
            var grant = !_state.Recovering && p.CandidateEpoch > _state.Epoch && logOk && !leaderAlive;
            Reply(message, RaftRequests.VoteReply(ErrorCode.None, LeaderId, _state.Epoch, grant));
            return;
        }
        if (p.CandidateEpoch < _state.Epoch || _state.Recovering)
        {
            Reply(message, RaftRequests.VoteReply(p.CandidateEpoch < _state.Epoch ? ErrorCode.FencedLeaderEpoch : ErrorCode.None, LeaderId, _state.Epoch, false));
            return;
        }
        if (p.CandidateEpoch > _state.Epoch)
            BecomeUnattached(p.CandidateEpoch);
        // Not when this epoch's leader is known (a prospective node that came from following it), as in Kafka.
        var canVote = _role is RaftRole.Unattached or RaftRole.Prospective
            && _state.LeaderId is null
            && (_state.VotedId is null || _state.VotedId == candidate)
            && _state.Epoch > _state.VoteFloor;
        var granted = canVote && logOk;
        if (granted && _state.VotedId is null)
        {
            // Durable before the answer leaves: a crash after replying must not let this node vote again in the epoch.
            Persist(_state with { VotedId = candidate });
            _logger.LogDebug("Node {Id} votes for {Candidate} in epoch {Epoch}", _id, candidate, _state.Epoch);
        }
        if (granted)
        {
            LeaveRole();
            _role = RaftRole.Unattached;
            _electionDeadline = _now + RandomElectionTimeout();
        }
        Reply(message, RaftRequests.VoteReply(ErrorCode.None, LeaderId, _state.Epoch, granted));
    }

    private void HandleVoteResponse(RaftMessage message, VoteResponse response, Outstanding sent)
    {
        if (RaftRequests.Single(response) is not { } p)
            return;
        Heard(message.Source, p.LeaderEpoch);
        // A voter naming this node still follows it in the epoch it resigned; one naming the leader this prospective
        // node stopped hearing from tells nothing new. Their answers count.
        var news = p.LeaderId != _id && !(_role == RaftRole.Prospective && _prospectiveLeader == p.LeaderId);
        if (p.LeaderEpoch > _state.Epoch || (p.LeaderId >= 0 && news && p.LeaderEpoch == _state.Epoch))
        {
            // A newer epoch, or another leader already elected in ours: the election is over either way.
            ObserveLeader(p.LeaderEpoch, p.LeaderId);
            return;
        }
        if (sent.Epoch != _state.Epoch || sent.Round != _round || _role is not (RaftRole.Prospective or RaftRole.Candidate))
            return;
        if (!p.VoteGranted)
        {
            CountRejection(message.Source);
            return;
        }
        _granted.Add(message.Source);
        if (_granted.Count < _voters.MajoritySize)
            return;
        if (_role == RaftRole.Prospective)
            BecomeCandidate();
        else
            BecomeLeader();
    }

    /// <summary>A majority refused: go back to the leader we had (it may just be slow), or wait unattached.</summary>
    private void CountRejection(int voter)
    {
        _rejected.Add(voter);
        if (_rejected.Count < _voters.MajoritySize || _role == RaftRole.Leader)
            return;
        if (_role == RaftRole.Prospective && _prospectiveLeader is { } leader)
        {
            var epoch = _state.Epoch;
            _role = RaftRole.Unattached;
            BecomeFollower(epoch, leader);
        }
        else if (_role == RaftRole.Prospective)
        {
            _role = RaftRole.Unattached;
            _electionDeadline = _now + RandomElectionTimeout();
        }
    }

    private void HandleBeginEpoch(RaftMessage message, BeginQuorumEpochRequest request)
    {
        if (RaftRequests.Single(request) is not { } p || WrongCluster(request.ClusterId))
        {
            Reply(message, RaftRequests.BeginEpochReply(WrongCluster(request.ClusterId) ? ErrorCode.InconsistentClusterId : ErrorCode.InvalidRequest, LeaderId, _state.Epoch));
            return;
        }
        if (p.LeaderEpoch < _state.Epoch)
        {
            Reply(message, RaftRequests.BeginEpochReply(ErrorCode.FencedLeaderEpoch, LeaderId, _state.Epoch));
            return;
        }
        ObserveLeader(p.LeaderEpoch, p.LeaderId);
        if (_role == RaftRole.Follower && _state.LeaderId == p.LeaderId)
            _lastLeaderContact = _now;
        Reply(message, RaftRequests.BeginEpochReply(ErrorCode.None, LeaderId, _state.Epoch));
    }

    private void HandleBeginEpochResponse(RaftMessage message, BeginQuorumEpochResponse response)
    {
        if (RaftRequests.Single(response) is not { } p)
            return;
        Heard(message.Source, p.LeaderEpoch);
        if (p.LeaderEpoch > _state.Epoch)
        {
            ObserveLeader(p.LeaderEpoch, p.LeaderId);
            return;
        }
        if (_leaderState is { } leader && p.LeaderEpoch == _state.Epoch && (ErrorCode)p.ErrorCode == ErrorCode.None)
            leader.BeginEpochAcknowledged.Add(message.Source);
    }

    /// <summary>
    /// The leader of this epoch resigned. Its followers campaign soon, the ones it prefers (most caught up) first, so
    /// a graceful hand-over takes about one round trip instead of a fetch timeout.
    /// </summary>
    private void HandleEndEpoch(RaftMessage message, EndQuorumEpochRequest request)
    {
        if (RaftRequests.Single(request) is not { } p || WrongCluster(request.ClusterId))
        {
            Reply(message, RaftRequests.EndEpochReply(ErrorCode.InvalidRequest, LeaderId, _state.Epoch));
            return;
        }
        if (p.LeaderEpoch > _state.Epoch && !_state.Recovering)
            BecomeUnattached(p.LeaderEpoch);
        if (p.LeaderEpoch == _state.Epoch && _state.LeaderId == p.LeaderId && _role is RaftRole.Follower or RaftRole.Unattached)
        {
            var successors = p.PreferredCandidates.Select(c => c.CandidateId).Concat(p.PreferredSuccessors).ToList();
            var rank = successors.IndexOf(_id);
            var delay = rank < 0 ? RandomElectionTimeout() : rank * _config.ElectionTimeoutMs / Math.Max(1, _voters.Count) + _random.Next(Math.Max(1, _config.RetryBackoffMs));
            if (_role == RaftRole.Follower)
                _fetchDeadline = Math.Min(_fetchDeadline, _now + delay);
            else
                _electionDeadline = Math.Min(_electionDeadline, _now + delay);
        }
        Reply(message, RaftRequests.EndEpochReply(ErrorCode.None, LeaderId, _state.Epoch));
    }
}
