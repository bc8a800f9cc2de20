using System.Collections.Immutable;
using Runnel.Protocol;

namespace Runnel.Broker.Partitions;

/// <summary>What the leader needs to know of other brokers, from the metadata image.</summary>
internal interface IReplicaEligibility
{
    /// <summary>
    /// Whether the broker may join an ISR (KIP-841, KIP-903): registered, unfenced, not in controlled shutdown, and
    /// <paramref name="fetchEpoch"/> (the broker epoch its fetches carried) is -1 or its registered epoch.
    /// </summary>
    bool IsEligible(int brokerId, long fetchEpoch);

    /// <summary>Whether <paramref name="epoch"/> is older than the broker's registered, unfenced epoch (a fetch from a previous incarnation).</summary>
    bool IsStale(int brokerId, long epoch);
}

/// <summary>Where a leader sends the ISR changes it proposes (AlterPartition to the active controller).</summary>
internal interface IIsrChangeSink
{
    void Submit(Partition partition, IsrProposal proposal);
}

/// <summary>
/// An ISR change a leader proposes: the new ISR (with each member's broker epoch, -1 when not known) against the leader
/// and partition epochs it was decided on.
/// </summary>
internal sealed record IsrProposal(int LeaderEpoch, int PartitionEpoch, ImmutableArray<(int BrokerId, long BrokerEpoch)> NewIsr)
{
    public ImmutableArray<int> Members => [.. NewIsr.Select(m => m.BrokerId)];
}

/// <summary>The leader's record of one follower's progress (Kafka's ReplicaState).</summary>
internal sealed class FollowerState
{
    /// <summary>The follower's log end, as its last fetch offset said; -1 until it fetched under this leadership.</summary>
    public long LogEndOffset { get; set; } = -1;

    /// <summary>When the follower last had everything the leader had (replica.lag.time.max.ms counts from here).</summary>
    public long LastCaughtUpTimeMs { get; set; }

    public long LastFetchLeaderLogEndOffset { get; set; } = -1;

    public long LastFetchTimeMs { get; set; }

    /// <summary>The follower's broker epoch from its fetch (ReplicaState, v15+), -1 when it did not say.</summary>
    public long BrokerEpoch { get; set; } = -1;
}

/// <summary>The leader's side of replication: followers' progress, the high watermark, and ISR changes.</summary>
internal sealed partial class Partition
{
    private readonly object _watchLock = new();
    private Dictionary<int, FollowerState> _followers = [];
    private long _leaderEpochStartOffset;
    private IsrProposal? _pendingIsr;

    /// <summary>Set by the replica manager: who may join an ISR, and where proposals go.</summary>
    public IReplicaEligibility? Eligibility { get; set; }

    public IIsrChangeSink? IsrChanges { get; set; }

    /// <summary>The broker's instruments (bytes in and out, ISR changes); null records nothing.</summary>
    public Metrics.BrokerMetrics? Metrics { get; set; }

    /// <summary>Each follower's log end as the leader knows it (for DescribeLogDirs, metrics and tests).</summary>
    public IReadOnlyDictionary<int, long> FollowerLogEndOffsets
    {
        get
        {
            lock (_lock)
                return _followers.ToDictionary(f => f.Key, f => f.Value.LogEndOffset);
        }
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Where this node's current leadership began (its log end then); meaningful only while it leads.</summary>
    public long LeaderEpochStartOffset => Volatile.Read(ref _leaderEpochStartOffset);

    /// <summary>
    /// A follower fetched at <paramref name="fetchOffset"/>: that is its log end (Kafka's updateFollowerFetchState). Its
    /// caught-up time moves when the offset reaches the leader's end now, or the end the leader had at its previous
    /// fetch. Then the high watermark may rise, and a follower back in sync is proposed for the ISR.
    /// </summary>
    /// <returns>
    /// NONE; NOT_LEADER_OR_FOLLOWER when this node does not lead or the fetch comes from a previous incarnation of the
    /// follower (a stale broker epoch, as Kafka answers it); for a broker that is not a replica, UNKNOWN_LEADER_EPOCH
    /// when the fetch named a leader epoch (a reassignment this leader has not seen yet) and NOT_LEADER_OR_FOLLOWER
    /// otherwise.
    /// </returns>
    public ErrorCode UpdateFollowerFetchState(int replicaId, long brokerEpoch, long fetchOffset, bool namedLeaderEpoch = false)
    {
        long? highWatermark;
        IsrProposal? proposal;
        lock (_lock)
        {
            if (!_assignment.IsLeader(_localId))
                return ErrorCode.NotLeaderOrFollower;
            if (!_followers.TryGetValue(replicaId, out var follower))
                return namedLeaderEpoch ? ErrorCode.UnknownLeaderEpoch : ErrorCode.NotLeaderOrFollower;
            if (brokerEpoch >= 0 && (Eligibility?.IsStale(replicaId, brokerEpoch) ?? false))
                return ErrorCode.NotLeaderOrFollower;
            var now = NowMs;
            var leaderEnd = Log.LogEndOffset;
            if (fetchOffset >= leaderEnd)
                follower.LastCaughtUpTimeMs = Math.Max(follower.LastCaughtUpTimeMs, now);
            else if (fetchOffset >= follower.LastFetchLeaderLogEndOffset)
                follower.LastCaughtUpTimeMs = Math.Max(follower.LastCaughtUpTimeMs, follower.LastFetchTimeMs);
            follower.LogEndOffset = fetchOffset;
            follower.LastFetchLeaderLogEndOffset = Math.Max(leaderEnd, follower.LastFetchLeaderLogEndOffset);
            follower.LastFetchTimeMs = now;
            if (brokerEpoch >= 0)
                follower.BrokerEpoch = brokerEpoch;
            highWatermark = MaybeIncrementHighWatermarkLocked();
            proposal = MaybeExpandIsrLocked(replicaId, follower);
        }
        if (highWatermark is { } hw)
        {
            _replicated.Advance(hw);
            NotifyWatchers(replicaEnd: false);
        }
        if (proposal is not null)
            IsrChanges?.Submit(this, proposal);
        return ErrorCode.None;
    }

    /// <summary>
    /// Proposes removing in-sync followers that have not caught up for replica.lag.time.max.ms (Kafka's
    /// maybeShrinkIsr); the replica manager calls it periodically. Nothing while another change is in flight.
    /// </summary>
    public void MaybeShrinkIsr()
    {
        IsrProposal? proposal = null;
        lock (_lock)
        {
            var assignment = _assignment;
            if (!assignment.IsLeader(_localId) || _pendingIsr is not null)
                return;
            var now = NowMs;
            var leaderEnd = Log.LogEndOffset;
            var lagging = assignment.Isr.Where(id => id != _localId && (!_followers.TryGetValue(id, out var f) || !IsCaughtUp(f, leaderEnd, now))).ToList();
            if (lagging.Count > 0)
                proposal = ProposeLocked(assignment, [.. assignment.Isr.Where(id => !lagging.Contains(id))]);
        }
        if (proposal is not null)
            IsrChanges?.Submit(this, proposal);
    }

    /// <summary>
    /// The controller's answer to <paramref name="proposal"/>, as Kafka's leader handles it. Accepted: the ISR and
    /// partition epoch it committed take effect at once (the metadata brings the same change later and is then ignored).
    /// OPERATION_NOT_ATTEMPTED or INELIGIBLE_REPLICA: the proposal is dropped, and the next fetch or shrink check may
    /// propose again. Anything else (a stale epoch, another leader elected, an unknown topic): the proposal stays pending,
    /// so nothing more is proposed until the metadata brings this partition's new state.
    /// </summary>
    public void CompleteIsrChange(IsrProposal proposal, ErrorCode error, int leaderEpoch, int partitionEpoch, ImmutableArray<int> isr)
    {
        long? highWatermark = null;
        lock (_lock)
        {
            if (!ReferenceEquals(_pendingIsr, proposal))
                return;
            var assignment = _assignment;
            if (error == ErrorCode.None)
            {
                _pendingIsr = null;
                if (leaderEpoch == assignment.LeaderEpoch && partitionEpoch > assignment.PartitionEpoch)
                {
                    Volatile.Write(ref _assignment, assignment with { PartitionEpoch = partitionEpoch, Isr = isr });
                    Metrics?.IsrChanged(assignment.Isr.Length, isr.Length);
                    highWatermark = MaybeIncrementHighWatermarkLocked();
                }
            }
            else if (error is ErrorCode.OperationNotAttempted or ErrorCode.IneligibleReplica)
            {
                _pendingIsr = null;
            }
        }
        if (highWatermark is { } hw)
        {
            _replicated.Advance(hw);
            NotifyWatchers(replicaEnd: false);
        }
    }

    /// <summary>Whether <paramref name="proposal"/> is still the change this partition waits on (a retry is still wanted).</summary>
    public bool IsPending(IsrProposal proposal)
    {
        lock (_lock)
            return ReferenceEquals(_pendingIsr, proposal);
    }

    /// <summary>
    /// Kafka's maybeIncrementLeaderHW: the least log end among the leader, every member of the maximal ISR (the ISR
    /// plus a pending addition), and every eligible follower caught up within replica.lag.time.max.ms (so one about to
    /// join is not left behind). As in Kafka 3.7+, it does not move while the committed ISR is below min.insync.replicas.
    /// Returns the new high watermark when it rose.
    /// </summary>
    private long? MaybeIncrementHighWatermarkLocked()
    {
        var assignment = _assignment;
        if (!assignment.IsLeader(_localId) || assignment.Isr.Length < EffectiveMinIsr(assignment))
            return null;
        var leaderEnd = Log.LogEndOffset;
        var candidate = leaderEnd;
        var now = NowMs;
        foreach (var (id, follower) in _followers)
        {
            if (follower.LogEndOffset >= candidate)
                continue;
            var inMaximalIsr = assignment.Isr.Contains(id) || (_pendingIsr?.Members.Contains(id) ?? false);
            if (inMaximalIsr || (IsCaughtUp(follower, leaderEnd, now) && IsEligible(id, follower.BrokerEpoch)))
                candidate = follower.LogEndOffset;
        }
        if (candidate <= Log.HighWatermark)
            return null;
        return Log.UpdateHighWatermark(candidate);
    }

    /// <summary>Kafka's isFollowerInSync, for a follower not in the ISR: it has the high watermark and this epoch's start.</summary>
    private IsrProposal? MaybeExpandIsrLocked(int replicaId, FollowerState follower)
    {
        var assignment = _assignment;
        if (_pendingIsr is not null || assignment.Isr.Contains(replicaId) || !IsEligible(replicaId, follower.BrokerEpoch))
            return null;
        if (follower.LogEndOffset < Log.HighWatermark || follower.LogEndOffset < _leaderEpochStartOffset)
            return null;
        return ProposeLocked(assignment, [.. assignment.Isr, replicaId]);
    }

    private IsrProposal ProposeLocked(PartitionAssignment assignment, ImmutableArray<int> isr)
    {
        var proposal = new IsrProposal(assignment.LeaderEpoch, assignment.PartitionEpoch,
            [.. isr.Select(id => (id, id == _localId ? -1L : _followers.GetValueOrDefault(id)?.BrokerEpoch ?? -1))]);
        _pendingIsr = proposal;
        return proposal;
    }

    private void ClearPendingIsrLocked() => _pendingIsr = null;

    /// <summary>
    /// A new leadership counts every follower afresh: log ends unknown, and in-sync members caught up as of now, so the
    /// ISR is not shrunk before they had a chance to fetch (Kafka's resetReplicaState).
    /// </summary>
    private void ResetFollowersLocked(PartitionAssignment assignment, bool reelected)
    {
        var now = NowMs;
        var previous = _followers;
        _followers = assignment.Replicas.Where(id => id != _localId).ToDictionary(id => id, id =>
        {
            var inIsr = assignment.Isr.Contains(id);
            var kept = reelected ? previous.GetValueOrDefault(id) : null;
            return new FollowerState
            {
                LogEndOffset = kept?.LogEndOffset ?? -1,
                BrokerEpoch = kept?.BrokerEpoch ?? -1,
                LastCaughtUpTimeMs = inIsr ? now : 0,
                LastFetchLeaderLogEndOffset = reelected ? _leaderEpochStartOffset : -1,
                LastFetchTimeMs = reelected && inIsr ? now : 0,
            };
        });
    }

    /// <summary>Replicas added or removed while this node keeps leading (a reassignment): followers' progress is kept.</summary>
    private void SyncFollowersLocked(PartitionAssignment assignment)
    {
        foreach (var gone in _followers.Keys.Where(id => !assignment.Replicas.Contains(id)).ToList())
            _followers.Remove(gone);
        foreach (var added in assignment.Replicas.Where(id => id != _localId && !_followers.ContainsKey(id)))
            _followers[added] = new FollowerState { LastFetchTimeMs = NowMs };
    }

    private bool IsCaughtUp(FollowerState follower, long leaderEnd, long now)
        => follower.LogEndOffset == leaderEnd || now - follower.LastCaughtUpTimeMs <= Settings.ReplicaLagTimeMaxMs;

    private bool IsEligible(int brokerId, long fetchEpoch) => Eligibility?.IsEligible(brokerId, fetchEpoch) ?? true;

    /// <summary>The maximal ISR's size (the ISR plus a pending addition) and the min.insync.replicas in force.</summary>
    private (int Size, int Min) MaximalIsrSize()
    {
        lock (_lock)
        {
            var assignment = _assignment;
            var size = assignment.Isr.Length + (_pendingIsr?.Members.Count(m => !assignment.Isr.Contains(m)) ?? 0);
            return (size, EffectiveMinIsr(assignment));
        }
    }

    /// <summary>A delayed fetch waits on this partition's log end (replicas), high watermark or last stable offset (consumers).</summary>
    public void Watch(DelayedFetch fetch, int index)
    {
        lock (_watchLock)
            _watchers = [.. _watchers, new DelayedFetchWatch(fetch, index, fetch.BoundOf(index))];
    }

    public void Unwatch(DelayedFetch fetch)
    {
        lock (_watchLock)
            _watchers = [.. _watchers.Where(w => w.Fetch != fetch)];
    }

    /// <summary>The bytes a delayed fetch could now read from <paramref name="from"/> below <paramref name="bound"/>, without reading them.</summary>
    public long BytesAvailable(long from, FetchBound bound) => _appended.Between(from, bound switch
    {
        FetchBound.LogEnd => Log.LogEndOffset,
        FetchBound.HighWatermark => Log.HighWatermark,
        _ => Log.LastStableOffset,
    });

    /// <summary>
    /// The log end moved (<c>replicaEnd</c>): replicas' fetches recount; or the high watermark moved: consumers' fetches
    /// recount, read_committed ones too, as the last stable offset moves with it.
    /// </summary>
    private void NotifyWatchers(bool replicaEnd)
    {
        foreach (var watch in Volatile.Read(ref _watchers))
        {
            if ((watch.Bound == FetchBound.LogEnd) == replicaEnd)
                watch.Fetch.OnProgress(watch.Index);
        }
    }

    /// <summary>A marker was written: the last stable offset may have moved, so read_committed fetches recount.</summary>
    private void NotifyLastStableWatchers()
    {
        foreach (var watch in Volatile.Read(ref _watchers))
        {
            if (watch.Bound == FetchBound.LastStable)
                watch.Fetch.OnProgress(watch.Index);
        }
    }

    private void WakeWatchers()
    {
        foreach (var watch in Volatile.Read(ref _watchers))
            watch.Fetch.Wake();
    }
}

/// <summary>A delayed fetch's interest in one partition: its index there, and the bound it waits on.</summary>
internal readonly record struct DelayedFetchWatch(DelayedFetch Fetch, int Index, FetchBound Bound);
