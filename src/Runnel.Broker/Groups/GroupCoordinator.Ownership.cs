using Microsoft.Extensions.Logging;
using Runnel.Broker.Partitions;
using Runnel.Broker.Replication;
using Runnel.Broker.Topics;
using Runnel.Protocol;

namespace Runnel.Broker.Groups;

/// <summary>
/// Which __consumer_offsets partitions this node coordinates, following their leadership as Kafka's CoordinatorRuntime
/// does. An election at a leader epoch above the one known for the partition loads it (Loading, then Active, or
/// Failed); one while it is loading or active only records the epoch. A resignation at a higher epoch, or a stop
/// (the partition is no longer hosted here), unloads it. A replay that ends after its partition was unloaded or
/// elected again is discarded, since each election makes a new <see cref="OffsetsPartition"/>.
/// </summary>
internal sealed partial class GroupCoordinator
{
    private readonly object _ownership = new();
    private readonly int _partitionCount;

    /// <summary>The partitions led here, by index; written under <see cref="_ownership"/>, read without it.</summary>
    private readonly OffsetsPartition?[] _owned;

    /// <summary>The newest leader epoch heard per partition (-1: none, or stopped); guarded by <see cref="_ownership"/>.</summary>
    private readonly int[] _epochs;

    private volatile bool _disposed;
    private ReplicaManager? _replicas;

    /// <summary>
    /// False on a node that keeps no groups (no partitions to place them on) and once the coordinator is disposed: every
    /// group request is then COORDINATOR_NOT_AVAILABLE.
    /// </summary>
    private bool IsActive => !_disposed && _partitionCount > 0;

    private OffsetsPartition? Owned(int partition) => Volatile.Read(ref _owned[partition]);

    /// <summary>
    /// This node became the leader of __consumer_offsets partition <paramref name="partition"/> in
    /// <paramref name="leaderEpoch"/>. Returns at once (the replay runs on the thread pool); the task completes when the
    /// load it started or joined ended, or at once when the election was stale.
    /// </summary>
    public Task OnElection(int partition, int leaderEpoch)
    {
        OffsetsPartition loading;
        lock (_ownership)
        {
            if (_disposed || partition < 0 || partition >= _partitionCount)
                return Task.CompletedTask;
            if (leaderEpoch <= _epochs[partition])
            {
                _logger.LogInformation("Ignored loading {Topic}-{Partition} in leader epoch {Epoch}: epoch {Current} is known", OffsetsTopicStore.TopicName,
                    partition, leaderEpoch, _epochs[partition]);
                return Owned(partition)?.Loaded ?? Task.CompletedTask;
            }
            _epochs[partition] = leaderEpoch;
            if (Owned(partition) is { State: OffsetsPartitionState.Loading or OffsetsPartitionState.Active } current)
                return current.Loaded;
            loading = new OffsetsPartition(partition);
            Volatile.Write(ref _owned[partition], loading);
        }
        _logger.LogInformation("Loading groups of {Topic}-{Partition} (leader epoch {Epoch})", OffsetsTopicStore.TopicName, partition, leaderEpoch);
        _ = Task.Run(() => LoadAsync(loading));
        return loading.Loaded;
    }

    /// <summary>
    /// This node stopped leading partition <paramref name="partition"/>: it follows in <paramref name="leaderEpoch"/>, or
    /// (null) no longer hosts the partition. Its groups are unloaded unless the epoch is not above the one known.
    /// </summary>
    public void OnResignation(int partition, int? leaderEpoch)
    {
        OffsetsPartition? unloading;
        lock (_ownership)
        {
            if (partition < 0 || partition >= _partitionCount)
                return;
            if (leaderEpoch is { } epoch)
            {
                if (epoch <= _epochs[partition])
                    return;
                _epochs[partition] = epoch;
            }
            else
            {
                // Not hosted any more: a re-created topic numbers its leader epochs from 0 again.
                _epochs[partition] = -1;
            }
            unloading = Owned(partition);
            if (unloading is null)
                return;
            Volatile.Write(ref _owned[partition], null);
        }
        Unload(unloading);
    }

    /// <summary>
    /// Whether this node serves <paramref name="groupId"/> now (Kafka's validateGroupStatus, after the group id check):
    /// NONE with its partition when loaded here; COORDINATOR_NOT_AVAILABLE when this node has no coordinator;
    /// COORDINATOR_LOAD_IN_PROGRESS while the partition loads; NOT_COORDINATOR when it is not led here or failed to load.
    /// </summary>
    private ErrorCode Locate(string groupId, out OffsetsPartition partition)
    {
        partition = null!;
        if (!IsActive)
            return ErrorCode.CoordinatorNotAvailable;
        switch (Owned(PartitionFor(groupId)))
        {
            case { State: OffsetsPartitionState.Active } active:
                partition = active;
                return ErrorCode.None;
            case { State: OffsetsPartitionState.Loading }:
                return ErrorCode.CoordinatorLoadInProgress;
            default:
                return ErrorCode.NotCoordinator;
        }
    }

    /// <summary>The partitions loaded here now, and whether any is still loading.</summary>
    private (List<OffsetsPartition> Active, bool Loading) Partitions()
    {
        var active = new List<OffsetsPartition>();
        var loading = false;
        for (var i = 0; i < _partitionCount; i++)
        {
            var owned = Owned(i);
            if (owned?.State == OffsetsPartitionState.Active)
                active.Add(owned);
            loading |= owned?.State == OffsetsPartitionState.Loading;
        }
        return (active, loading);
    }

    /// <summary>
    /// Follows the leadership of __consumer_offsets here: the replica manager's transitions from now on, and the
    /// partitions this node already leads. Each hosted partition's assignment is read under the ownership lock, which the
    /// transition handlers take too; a partition's assignment changes before its transition is announced, so every change
    /// after the read is heard as a transition, and none before it is missed.
    /// </summary>
    private void Follow(TopicManager topics, int nodeId)
    {
        _replicas = topics.Replicas;
        _replicas.Transitioned += OnTransitioned;
        _replicas.Stopped += OnStopped;
        lock (_ownership)
        {
            foreach (var partition in topics.Find(OffsetsTopicStore.TopicName)?.Hosted ?? [])
            {
                var assignment = partition.Assignment;
                if (assignment.IsLeader(nodeId))
                    OnElection(partition.TopicPartition.Partition, assignment.LeaderEpoch);
            }
        }
    }

    private void Unfollow()
    {
        if (_replicas is not { } replicas)
            return;
        replicas.Transitioned -= OnTransitioned;
        replicas.Stopped -= OnStopped;
    }

    /// <summary>On the metadata publisher's thread: only records state and starts loads, never waits.</summary>
    private void OnTransitioned(Partition partition, PartitionTransition transition)
    {
        if (partition.TopicPartition.Topic != OffsetsTopicStore.TopicName)
            return;
        if (transition == PartitionTransition.BecameLeader)
            OnElection(partition.TopicPartition.Partition, partition.Assignment.LeaderEpoch);
        else if (transition == PartitionTransition.BecameFollower)
            OnResignation(partition.TopicPartition.Partition, partition.Assignment.LeaderEpoch);
    }

    private void OnStopped(Partition partition)
    {
        if (partition.TopicPartition.Topic == OffsetsTopicStore.TopicName)
            OnResignation(partition.TopicPartition.Partition, leaderEpoch: null);
    }
}
