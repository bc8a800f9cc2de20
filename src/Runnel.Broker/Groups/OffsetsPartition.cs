using System.Collections.Concurrent;

namespace Runnel.Broker.Groups;

/// <summary>A producer's transaction ended with a commit or abort marker in a __consumer_offsets partition.</summary>
internal readonly record struct TransactionCompletion(long ProducerId, short ProducerEpoch, bool Commit);

/// <summary>What the coordinator can do with the groups of one __consumer_offsets partition it leads.</summary>
internal enum OffsetsPartitionState
{
    /// <summary>The partition's log is being replayed; its groups answer COORDINATOR_LOAD_IN_PROGRESS.</summary>
    Loading,

    /// <summary>Loaded: its groups are served.</summary>
    Active,

    /// <summary>The replay failed; its groups answer NOT_COORDINATOR until a newer leader epoch loads it again.</summary>
    Failed,

    /// <summary>Unloaded (this node stopped leading it); a load still under way is discarded.</summary>
    Closed,
}

/// <summary>
/// One __consumer_offsets partition this node leads (Kafka's CoordinatorContext): its state, the groups placed on it
/// and the replay that loads them. Created by an election, dropped by a resignation; a new election makes a new one,
/// so a replay only ever fills the partition that started it. <see cref="State"/> changes under this object's lock
/// (readers may look without it); <see cref="Groups"/> gains groups only under that lock while <see cref="OffsetsPartitionState.Active"/>.
/// </summary>
internal sealed class OffsetsPartition(int index)
{
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<TransactionCompletion> _deferredCompletions = [];
    private volatile OffsetsPartitionState _state = OffsetsPartitionState.Loading;

    public int Index { get; } = index;

    public OffsetsPartitionState State => _state;

    public ConcurrentDictionary<string, ClassicGroup> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>Completes when the replay ended, whatever its outcome.</summary>
    public Task Loaded => _loaded.Task;

    public void MarkLoaded() => _loaded.TrySetResult();

    /// <summary>Keeps a transaction's end heard while the partition loads, for the end of the load. Call under the lock.</summary>
    public void DeferCompletion(TransactionCompletion completion) => _deferredCompletions.Add(completion);

    /// <summary>The transaction ends heard while loading, in the order heard, and forgets them. Call under the lock.</summary>
    public List<TransactionCompletion> TakeDeferredCompletions()
    {
        List<TransactionCompletion> taken = [.. _deferredCompletions];
        _deferredCompletions.Clear();
        return taken;
    }

    /// <summary>Moves Loading to <paramref name="next"/>; false when the partition left Loading meanwhile. Call under the lock.</summary>
    public bool FinishLoading(OffsetsPartitionState next)
    {
        if (_state != OffsetsPartitionState.Loading)
            return false;
        _state = next;
        return true;
    }

    /// <summary>Unloads: no group is added any more, and a replay under way stops at its next record. Returns the groups to unload. Takes the lock.</summary>
    public IReadOnlyCollection<ClassicGroup> Close()
    {
        lock (this)
        {
            _state = OffsetsPartitionState.Closed;
            return [.. Groups.Values];
        }
    }

    /// <summary>The group, created when missing, if the partition is active; null once it is not.</summary>
    public ClassicGroup? GetOrCreate(string groupId, TimeProvider time)
    {
        lock (this)
            return _state == OffsetsPartitionState.Active ? Groups.GetOrAdd(groupId, id => new ClassicGroup(id, time)) : null;
    }
}
