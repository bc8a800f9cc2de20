using Microsoft.Extensions.Logging;
using Runnel.Broker.Partitions;
using Runnel.Broker.Replication;
using Runnel.Broker.Topics;
using Runnel.Protocol;

namespace Runnel.Broker.Transactions;

/// <summary>
/// Which __transaction_state partitions this node coordinates, following their leadership as the group coordinator
/// follows __consumer_offsets: an election at a leader epoch above the one known loads the partition (the leader
/// epoch becomes the coordinator epoch its markers carry); a resignation at a higher epoch, or a stop, unloads it and
/// stops its marker sends. Each election makes a new <see cref="TransactionPartition"/>.
/// </summary>
internal sealed partial class TransactionCoordinator
{
    private readonly object _ownership = new();
    private readonly int _partitionCount;
    private readonly TransactionPartition?[] _owned;
    private readonly int[] _epochs;
    private volatile bool _disposed;
    private ReplicaManager? _replicas;

    private bool IsActive => !_disposed && _partitionCount > 0;

    private TransactionPartition? Owned(int partition) => Volatile.Read(ref _owned[partition]);

    /// <summary>This node leads partition <paramref name="partition"/> in <paramref name="leaderEpoch"/>; the task ends when its load ends.</summary>
    public Task OnElection(int partition, int leaderEpoch)
    {
        TransactionPartition loading;
        TransactionPartition? replaced;
        lock (_ownership)
        {
            if (_disposed || partition < 0 || partition >= _partitionCount)
                return Task.CompletedTask;
            if (leaderEpoch <= _epochs[partition])
                return Owned(partition)?.Loaded ?? Task.CompletedTask;
            _epochs[partition] = leaderEpoch;
            replaced = Owned(partition);
            loading = new TransactionPartition(partition, leaderEpoch);
            Volatile.Write(ref _owned[partition], loading);
        }
        // A newer epoch is a new coordinator epoch: whatever the old one was doing stops, and the load resumes it.
        replaced?.Close();
        _logger.LogInformation("Loading transactions of {Topic}-{Partition} (coordinator epoch {Epoch})", TopicName, partition, leaderEpoch);
        _ = Task.Run(() => LoadAsync(loading));
        return loading.Loaded;
    }

    /// <summary>This node stopped leading <paramref name="partition"/> (it follows in <paramref name="leaderEpoch"/>, or, null, no longer hosts it).</summary>
    public void OnResignation(int partition, int? leaderEpoch)
    {
        TransactionPartition? unloading;
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
                _epochs[partition] = -1;
            }
            unloading = Owned(partition);
            Volatile.Write(ref _owned[partition], null);
        }
        if (unloading is null)
            return;
        unloading.Close();
        _logger.LogInformation("Unloaded {Count} transactional ids of {Topic}-{Partition}", unloading.Transactions.Count, TopicName, partition);
    }

    /// <summary>
    /// Whether this node serves <paramref name="transactionalId"/> now: NONE with its partition when loaded here;
    /// COORDINATOR_NOT_AVAILABLE when this node has no coordinator; COORDINATOR_LOAD_IN_PROGRESS while the partition
    /// loads; NOT_COORDINATOR when it is not led here or failed to load.
    /// </summary>
    private ErrorCode Locate(string transactionalId, out TransactionPartition partition)
    {
        partition = null!;
        if (!IsActive)
            return ErrorCode.CoordinatorNotAvailable;
        switch (Owned(PartitionFor(transactionalId)))
        {
            case { State: TransactionPartitionState.Active } active:
                partition = active;
                return ErrorCode.None;
            case { State: TransactionPartitionState.Loading }:
                return ErrorCode.CoordinatorLoadInProgress;
            default:
                return ErrorCode.NotCoordinator;
        }
    }

    /// <summary>The partitions loaded here now.</summary>
    private List<TransactionPartition> ActivePartitions()
    {
        var active = new List<TransactionPartition>();
        for (var i = 0; i < _partitionCount; i++)
        {
            if (Owned(i) is { IsActive: true } owned)
                active.Add(owned);
        }
        return active;
    }

    private void Follow(TopicManager topics, int nodeId)
    {
        _replicas = topics.Replicas;
        _replicas.Transitioned += OnTransitioned;
        _replicas.Stopped += OnStopped;
        lock (_ownership)
        {
            foreach (var partition in topics.Find(TopicName)?.Hosted ?? [])
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

    private void OnTransitioned(Partition partition, PartitionTransition transition)
    {
        if (partition.TopicPartition.Topic != TopicName)
            return;
        if (transition == PartitionTransition.BecameLeader)
            OnElection(partition.TopicPartition.Partition, partition.Assignment.LeaderEpoch);
        else if (transition == PartitionTransition.BecameFollower)
            OnResignation(partition.TopicPartition.Partition, partition.Assignment.LeaderEpoch);
    }

    private void OnStopped(Partition partition)
    {
        if (partition.TopicPartition.Topic == TopicName)
            OnResignation(partition.TopicPartition.Partition, leaderEpoch: null);
    }
}
