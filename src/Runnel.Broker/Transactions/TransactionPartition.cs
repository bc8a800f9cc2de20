using System.Collections.Concurrent;

namespace Runnel.Broker.Transactions;

/// <summary>What the coordinator can do with the transactional ids of one __transaction_state partition it leads.</summary>
internal enum TransactionPartitionState
{
    /// <summary>Its log is being replayed: its ids answer COORDINATOR_LOAD_IN_PROGRESS.</summary>
    Loading,

    /// <summary>Loaded: its ids are served.</summary>
    Active,

    /// <summary>The replay failed: its ids answer NOT_COORDINATOR until a newer leader epoch loads it again.</summary>
    Failed,

    /// <summary>Unloaded (this node stopped leading it); work still under way for it stops.</summary>
    Closed,
}

/// <summary>
/// One __transaction_state partition this node leads, in one leader epoch: the coordinator epoch that its markers
/// carry (the partition's leader epoch, as in Kafka) and the transactional ids placed on it. An election makes a new
/// one, so a replay or a marker send only ever serves the partition that started it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The token source is cancelled at Close and never disposed, so tokens already handed out stay usable.")]
internal sealed class TransactionPartition(int index, int coordinatorEpoch)
{
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closed = new();
    private volatile TransactionPartitionState _state = TransactionPartitionState.Loading;

    public int Index { get; } = index;

    public int CoordinatorEpoch { get; } = coordinatorEpoch;

    public TransactionPartitionState State => _state;

    public bool IsActive => _state == TransactionPartitionState.Active;

    public ConcurrentDictionary<string, TransactionMetadata> Transactions { get; } = new(StringComparer.Ordinal);

    /// <summary>Cancelled when the partition is unloaded: marker sends and retries for it stop.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Completes when the replay ended, whatever its outcome.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>Ends the load (Active or Failed) unless the partition was closed meanwhile; false then.</summary>
    public bool FinishLoading(TransactionPartitionState next)
    {
        lock (this)
        {
            var finished = _state == TransactionPartitionState.Loading;
            if (finished)
                _state = next;
            _loaded.TrySetResult();
            return finished;
        }
    }

    public void Close()
    {
        lock (this)
            _state = TransactionPartitionState.Closed;
        _loaded.TrySetResult();
        _closed.Cancel();
    }
}
