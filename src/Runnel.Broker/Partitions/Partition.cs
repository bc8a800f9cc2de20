using Runnel.Protocol;
using Runnel.Storage;

namespace Runnel.Broker.Partitions;

/// <summary>What a metadata change did to this node's replica of a partition.</summary>
internal enum PartitionTransition
{
    /// <summary>Nothing this node acts on (a stale or repeated change).</summary>
    None,

    /// <summary>This node leads, in a new leader epoch.</summary>
    BecameLeader,

    /// <summary>Still the leader in the same epoch; the ISR or replicas changed.</summary>
    LeaderUpdated,

    /// <summary>This node follows (a new leader or epoch, or no leader at all): its fetching must be (re)started.</summary>
    BecameFollower,

    /// <summary>Still following the same leader in the same epoch; replicas or ISR changed.</summary>
    FollowerUpdated,
}

/// <summary>
/// The one owner of everything done to a partition on this node (Kafka's Partition with its UnifiedLog): appends as
/// leader (the producer-state check, the leader epoch stamp and the append in one step under one lock) and as
/// follower, reads for consumers and for replicas, the high watermark, the leader epoch and ISR as the controller set
/// them, the followers' progress, and the waits for acks (<see cref="OffsetWaiters"/>) and for data
/// (<see cref="DelayedFetch"/>). Lock order: this partition's lock, then the log's. Watchers and waiters are completed
/// after the lock is released.
/// </summary>
internal sealed partial class Partition
{
    private readonly object _lock = new();
    private readonly int _localId;
    private readonly TimeProvider _time;
    private readonly OffsetWaiters _replicated = new();
    private readonly AppendedBytes _appended;
    private DelayedFetchWatch[] _watchers = [];
    private PartitionAssignment _assignment = PartitionAssignment.None;

    public Partition(TopicPartition topicPartition, Guid topicId, PartitionLog log, int localId, TimeProvider time, ReplicationSettings settings)
    {
        TopicPartition = topicPartition;
        TopicId = topicId;
        Log = log;
        _localId = localId;
        _time = time;
        Settings = settings;
        _appended = new AppendedBytes(log.LogEndOffset);
    }

    public TopicPartition TopicPartition { get; }

    public Guid TopicId { get; }

    public PartitionLog Log { get; }

    /// <summary>The topic's min.insync.replicas; in force as min(it, the replica count), as in Kafka 3.7+.</summary>
    public int MinInsyncReplicas { get; set; } = 1;

    /// <summary>The replication timing this partition applies (replica.lag.time.max.ms).</summary>
    public ReplicationSettings Settings { get; set; }

    /// <summary>Leader, epochs, replicas and ISR as last applied; read it once per decision.</summary>
    public PartitionAssignment Assignment => Volatile.Read(ref _assignment);

    public bool IsLeader => Assignment.IsLeader(_localId);

    public int LeaderEpoch => Assignment.LeaderEpoch;

    /// <summary>Every offset below it is on every in-sync replica; consumers read no further.</summary>
    public long HighWatermark => Log.HighWatermark;

    /// <summary>Below it every transaction is decided and its marker replicated (see <see cref="PartitionLog.LastStableOffset"/>).</summary>
    public long LastStableOffset => Log.LastStableOffset;

    public long LogEndOffset => Log.LogEndOffset;

    public long LogStartOffset => Log.LogStartOffset;

    /// <summary>
    /// KIP-320: a request that names the leader epoch it expects is FENCED_LEADER_EPOCH when that epoch is older than
    /// ours, UNKNOWN_LEADER_EPOCH when newer; -1 (not known to the client) always passes.
    /// </summary>
    public ErrorCode CheckLeaderEpoch(int expected)
    {
        var current = LeaderEpoch;
        return expected < 0 || expected == current ? ErrorCode.None
            : expected > current ? ErrorCode.UnknownLeaderEpoch : ErrorCode.FencedLeaderEpoch;
    }

    /// <summary>
    /// Applies the controller's latest word on this partition. A change from an older leader epoch, or an older or equal
    /// partition epoch in the same leader epoch, is ignored (an AlterPartition answer may have applied it already).
    /// Becoming leader records the new epoch's start offset in the leader epoch cache and starts counting followers
    /// afresh; losing leadership ends every wait for acks with NOT_LEADER_OR_FOLLOWER.
    /// </summary>
    public PartitionTransition Apply(PartitionAssignment next)
    {
        PartitionTransition transition;
        long? highWatermark = null;
        lock (_lock)
        {
            var previous = _assignment;
            if (next.LeaderEpoch < previous.LeaderEpoch || (next.LeaderEpoch == previous.LeaderEpoch && next.PartitionEpoch <= previous.PartitionEpoch))
                return PartitionTransition.None;
            var wasLeader = previous.IsLeader(_localId);
            var newEpoch = next.LeaderEpoch != previous.LeaderEpoch || next.Leader != previous.Leader;
            Volatile.Write(ref _assignment, next);
            ClearPendingIsrLocked();
            if (next.IsLeader(_localId))
            {
                if (!wasLeader || newEpoch)
                {
                    BecomeLeaderLocked(next, reelected: wasLeader);
                    transition = PartitionTransition.BecameLeader;
                }
                else
                {
                    SyncFollowersLocked(next);
                    transition = PartitionTransition.LeaderUpdated;
                }
                highWatermark = MaybeIncrementHighWatermarkLocked();
            }
            else
            {
                if (wasLeader)
                    _followers.Clear();
                transition = wasLeader || newEpoch ? PartitionTransition.BecameFollower : PartitionTransition.FollowerUpdated;
            }
        }
        if (transition == PartitionTransition.BecameFollower)
            _replicated.Close(ErrorCode.NotLeaderOrFollower);
        if (highWatermark is { } hw)
            _replicated.Advance(hw);
        if (transition is PartitionTransition.BecameLeader or PartitionTransition.BecameFollower)
            WakeWatchers();
        else if (highWatermark is not null)
            NotifyWatchers(replicaEnd: false);
        return transition;
    }

    /// <summary>The partition is no longer served here (deleted, or this node is no longer a replica).</summary>
    public void Stop()
    {
        lock (_lock)
        {
            Volatile.Write(ref _assignment, PartitionAssignment.None with { LeaderEpoch = _assignment.LeaderEpoch });
            _followers.Clear();
        }
        _replicated.Close(ErrorCode.NotLeaderOrFollower);
        WakeWatchers();
    }

    private void BecomeLeaderLocked(PartitionAssignment assignment, bool reelected)
    {
        _leaderEpochStartOffset = Log.LogEndOffset;
        Log.AssignLeaderEpoch(assignment.LeaderEpoch, _leaderEpochStartOffset);
        ResetFollowersLocked(assignment, reelected);
        _replicated.Reopen(Log.HighWatermark);
    }

    private int EffectiveMinIsr(PartitionAssignment assignment) => Math.Max(1, Math.Min(MinInsyncReplicas, assignment.Replicas.Length));

    public override string ToString() => $"{TopicPartition} ({Assignment})";
}
