using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Raft.Messages;

namespace Runnel.Raft;

/// <summary>
/// Lost state. A voter that starts without its quorum-state file (a new disk, or one that was wiped) cannot know
/// whom it voted for before: voting again could elect two leaders in one epoch, and its empty log could help elect a
/// leader that lacks committed data. Kafka answers this with directory ids and dynamic voters (KIP-853); with static
/// voters we use this rule instead, and the simulation tests it:
/// <list type="number">
/// <item>Until recovered it neither votes (nor pre-votes) nor campaigns; it may follow a leader and fetch.</item>
/// <item>It learns the current epoch of every other voter from answers to requests it sent in this incarnation (any
/// candidate it voted for before stored that epoch before asking, so its answer now is at least that epoch). It
/// later votes and campaigns only in epochs above all of them.</item>
/// <item>It holds, flushed, everything up to a high watermark a leader reported after it started (so it holds every
/// entry committed before it lost its disk) — unless every voter reported epoch 0 and its log is empty: a new
/// cluster, where nothing was ever committed.</item>
/// </list>
/// The price: a recovering voter needs every other voter to answer once, so a wiped node in a quorum with another
/// node down stays out (and a quorum that needs it stays unavailable) until that node is back.
/// </summary>
public sealed partial class RaftNode
{
    private readonly Dictionary<int, int> _heard = [];
    private long _recoveryTarget = -1;
    private readonly Dictionary<int, long> _probedAt = [];

    /// <summary>Notes the epoch a voter reported in an answer to one of our requests (only answers count: a request
    /// may have been sent long ago).</summary>
    private void Heard(int voter, int epoch)
    {
        if (_state.Recovering && voter != _id && _voters.Contains(voter))
            _heard[voter] = Math.Max(epoch, _heard.GetValueOrDefault(voter));
    }

    /// <summary>
    /// Asks every voter it has not heard from with a fetch, and while it follows no leader every voter (their answers
    /// name the leader, which a recovering voter cannot elect itself).
    /// </summary>
    private void PollRecovery()
    {
        // A probe that reaches the leader counts as a fetch, whose offset acknowledges the log up to it: flushed first.
        if (_log.FlushedOffset < _log.EndOffset)
            _log.Flush();
        ProbeVoters();
        if (_heard.Count < _voters.Count - 1)
            return;
        var birth = _heard.Values.All(e => e == 0) && _state.Epoch == 0 && _log.EndOffset == 0 && _log.LatestSnapshot is null;
        var caughtUp = _recoveryTarget >= 0 && _log.FlushedOffset >= _recoveryTarget;
        if (!birth && !caughtUp)
            return;
        var floor = Math.Max(_state.Epoch, _heard.Values.DefaultIfEmpty(0).Max());
        Persist(_state with { Recovering = false, VoteFloor = floor });
        _logger.LogInformation("Node {Id} recovered its quorum state; it votes only in epochs above {Floor}", _id, floor);
    }

    /// <summary>A non-voter without a leader looks for one by fetching from the voters; their answers name the leader.</summary>
    private void PollDiscovery() => ProbeVoters();

    /// <summary>Whether <paramref name="voter"/> is to be asked (recovery's and discovery's rules above).</summary>
    private bool WantsProbe(int voter)
    {
        if (voter == _id)
            return false;
        if (_state.Recovering)
            return !_heard.ContainsKey(voter) || _role != RaftRole.Follower;
        return !IsVoter && _role != RaftRole.Follower;
    }

    /// <summary>
    /// Sends a probe (a fetch of nothing) to each voter it wants one from that has no request of ours outstanding, at
    /// most one per voter per retry backoff, so answers without a leader do not turn into a stream of probes.
    /// </summary>
    private void ProbeVoters()
    {
        foreach (var voter in _voters.Ids)
        {
            if (!WantsProbe(voter) || _outstanding.Values.Any(o => o.Destination == voter) || NextProbeAt(voter) > _now)
                continue;
            _probedAt[voter] = _now;
            Send(voter, ApiKey.Fetch, RaftRequests.Fetch(_config.ClusterId, _id, _state.Epoch, LastPosition, 0, 1), probe: true);
        }
    }

    private long NextProbeAt(int voter) => _probedAt.TryGetValue(voter, out var at) ? at + _config.RetryBackoffMs : long.MinValue;

    /// <summary>When the next probe is due (for <see cref="NextPollMs"/>); an outstanding request is covered by its timeout.</summary>
    private long NextProbeMs()
    {
        var next = long.MaxValue;
        foreach (var voter in _voters.Ids)
        {
            if (WantsProbe(voter) && !_outstanding.Values.Any(o => o.Destination == voter))
                next = Math.Min(next, NextProbeAt(voter));
        }
        return next;
    }
}
