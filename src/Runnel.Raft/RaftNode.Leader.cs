using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Raft.Log;
using Runnel.Raft.Messages;

namespace Runnel.Raft;

/// <summary>The leader: appends, serves fetches, advances the high watermark, and resigns without a quorum.</summary>
public sealed partial class RaftNode
{
    private LeaderState? _leaderState;

    /// <summary>What a leader tracks for its epoch.</summary>
    private sealed class LeaderState(long epochStartOffset)
    {
        /// <summary>Where this epoch's LeaderChange record sits: the high watermark must pass it before it means anything.</summary>
        public long EpochStartOffset { get; } = epochStartOffset;

        public Dictionary<int, ReplicaProgress> Replicas { get; } = [];

        public HashSet<int> BeginEpochAcknowledged { get; } = [];

        /// <summary>Fetches that found nothing new, held until data arrives, the high watermark moves, or they expire.</summary>
        public List<(RaftMessage Request, long Deadline)> Parked { get; } = [];
    }

    /// <summary>A replica as its fetches show it: how much of the log it holds (flushed), and when it last asked.</summary>
    public sealed class ReplicaProgress
    {
        public long EndOffset { get; set; } = -1;

        public long LastFetchMs { get; set; } = -1;

        public long LastCaughtUpMs { get; set; } = -1;

        /// <summary>The high watermark in the last response to it, so a fetch is held only when it has nothing new to learn.</summary>
        public long LastSentHighWatermark { get; set; } = long.MinValue;
    }

    /// <summary>True on a leader whose high watermark has passed its epoch start, i.e. is really this epoch's.</summary>
    public bool HasLeaderHighWatermark => _leaderState is { } leader && _highWatermark > leader.EpochStartOffset;

    private void BecomeLeader()
    {
        Persist(_state with { LeaderId = _id });
        LeaveRole();
        _role = RaftRole.Leader;
        var state = new LeaderState(_log.EndOffset);
        foreach (var voter in _voters.Ids)
            state.Replicas[voter] = new ReplicaProgress { LastFetchMs = _now };
        _leaderState = state;
        _log.Append(RaftBatches.LeaderChange(state.EpochStartOffset, _state.Epoch, _now, _id, _voters.Ids, _granted.Order()));
        _logger.LogInformation("Node {Id} leads epoch {Epoch} from offset {Offset}", _id, _state.Epoch, state.EpochStartOffset);
        _machine.OnLeaderChange(_state.Epoch, _id);
        SendBeginEpochs();
    }

    /// <summary>
    /// Appends records as one batch in the current epoch. Returns the offset of the last record, or null when this
    /// node is not the leader. The records are committed once the high watermark passes that offset.
    /// </summary>
    public long? Append(IReadOnlyList<ReadOnlyMemory<byte>> records)
    {
        if (_role != RaftRole.Leader || records.Count == 0)
            return null;
        var baseOffset = _log.EndOffset;
        _log.Append(RaftBatches.Data(baseOffset, _state.Epoch, _now, records));
        WakeParkedFetches();
        return baseOffset + records.Count - 1;
    }

    private void PollLeader()
    {
        var leader = _leaderState!;
        if (_log.FlushedOffset < _log.EndOffset)
            _log.Flush();
        MaybeAdvanceHighWatermark();
        if (CheckQuorumLost(leader))
        {
            Resign();
            return;
        }
        SendBeginEpochs();
        for (var i = leader.Parked.Count - 1; i >= 0; i--)
        {
            if (leader.Parked[i].Deadline <= _now)
            {
                var parked = leader.Parked[i];
                leader.Parked.RemoveAt(i);
                AnswerFetch(parked.Request, (FetchRequest)parked.Request.Body);
            }
        }
    }

    private void SendBeginEpochs()
    {
        var leader = _leaderState!;
        foreach (var voter in _voters.Ids)
        {
            if (voter != _id && !leader.BeginEpochAcknowledged.Contains(voter) && !HasOutstanding(voter, ApiKey.BeginQuorumEpoch))
                Send(voter, ApiKey.BeginQuorumEpoch, RaftRequests.BeginEpoch(_config.ClusterId, voter, _id, _state.Epoch));
        }
    }

    /// <summary>
    /// Check-quorum (KAFKA-15489): a leader that no majority has fetched from within the timeout may be cut off while
    /// the others elect a new leader; it must step down rather than keep accepting writes it can never commit.
    /// </summary>
    private bool CheckQuorumLost(LeaderState leader)
    {
        var alive = 1;
        foreach (var voter in _voters.Ids)
        {
            if (voter != _id && leader.Replicas[voter].LastFetchMs >= _now - _config.CheckQuorumTimeoutMs)
                alive++;
        }
        return alive < _voters.MajoritySize;
    }

    /// <summary>Steps down in this epoch and tells the voters, naming the most caught-up ones as successors.</summary>
    public void Resign()
    {
        if (_role != RaftRole.Leader)
            return;
        var successors = _voters.Ids.Where(v => v != _id).OrderByDescending(v => _leaderState!.Replicas[v].EndOffset).ThenBy(v => v).ToList();
        _logger.LogWarning("Node {Id} resigns as leader of epoch {Epoch}", _id, _state.Epoch);
        LeaveRole();
        _role = RaftRole.Resigned;
        _electionDeadline = _now + RandomElectionTimeout();
        foreach (var voter in successors)
            Send(voter, ApiKey.EndQuorumEpoch, RaftRequests.EndEpoch(_config.ClusterId, _id, _state.Epoch, successors));
        _machine.OnLeaderChange(_state.Epoch, null);
    }

    /// <summary>The high watermark is the largest offset a majority of voters holds on disk, once past the epoch start.</summary>
    private void MaybeAdvanceHighWatermark()
    {
        var leader = _leaderState!;
        Span<long> ends = stackalloc long[_voters.Count];
        for (var i = 0; i < _voters.Count; i++)
        {
            var voter = _voters.Ids[i];
            ends[i] = voter == _id ? _log.FlushedOffset : leader.Replicas[voter].EndOffset;
        }
        ends.Sort();
        var majorityEnd = ends[_voters.Count - _voters.MajoritySize];
        if (majorityEnd > leader.EpochStartOffset && majorityEnd > _highWatermark)
        {
            _highWatermark = majorityEnd;
            WakeParkedFetches();
        }
    }

    private void WakeParkedFetches()
    {
        if (_leaderState is not { Parked.Count: > 0 } leader)
            return;
        var parked = leader.Parked.ToList();
        leader.Parked.Clear();
        foreach (var (request, _) in parked)
            AnswerFetch(request, (FetchRequest)request.Body);
    }
}
