using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Broker.Groups;
using Runnel.Broker.Quorum;
using Runnel.Broker.Topics;
using Runnel.Protocol;

namespace Runnel.Broker.Transactions;

/// <summary>
/// Kafka's transaction coordinator on this node. It coordinates the transactional ids whose __transaction_state
/// partition (<see cref="PartitionFor(string)"/>) this node leads: each such partition is loaded when this node becomes
/// its leader and unloaded when it stops, and an id of any other partition is NOT_COORDINATOR. Each id's state moves
/// through <see cref="TransactionState"/> one written transition at a time (<see cref="TransactionMetadata"/>); once a
/// PrepareCommit or PrepareAbort is in the log the client is answered and the markers go to the partitions' leaders,
/// then CompleteCommit or CompleteAbort is written. Transactions open longer than their timeout are aborted, with the
/// producer's epoch bumped so the old producer is fenced; idle ids expire after transactional.id.expiration.ms.
/// Lock order: ownership, then one id's metadata.
/// </summary>
internal sealed partial class TransactionCoordinator : IDisposable
{
    public const string TopicName = "__transaction_state";

    private readonly TransactionCoordinatorConfig _config;
    private readonly IGroupStore _store;
    private readonly ITransactionMarkerWriter _markers;
    private readonly Func<CancellationToken, Task<long>> _nextProducerId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <param name="store">The partitions of __transaction_state (in tests, memory).</param>
    /// <param name="markers">Where commit and abort markers are written.</param>
    /// <param name="nextProducerId">A producer id never handed out before (from blocks the metadata quorum commits).</param>
    public TransactionCoordinator(TransactionCoordinatorConfig config, IGroupStore store, ITransactionMarkerWriter markers,
        Func<CancellationToken, Task<long>> nextProducerId, TimeProvider time, ILogger logger)
    {
        _config = config;
        _store = store;
        _markers = markers;
        _nextProducerId = nextProducerId;
        _time = time;
        _logger = logger;
        _partitionCount = store.PartitionCount;
        _owned = new TransactionPartition?[_partitionCount];
        _epochs = [.. Enumerable.Repeat(-1, _partitionCount)];
    }

    public TransactionCoordinatorConfig Config => _config;

    /// <summary>
    /// The broker's coordinator over __transaction_state (created on first use, as Kafka does: by FindCoordinator for
    /// a transactional id), following the leadership of its partitions here.
    /// </summary>
    public static TransactionCoordinator Start(BrokerConfig config, TopicManager topics, MetadataQuorum quorum, ITransactionMarkerWriter markers,
        Func<CancellationToken, Task<long>> nextProducerId, ILoggerFactory loggerFactory, TimeProvider time)
    {
        var store = new CoordinatorTopicStore(CoordinatorTopic.TransactionState, config, topics, quorum, time);
        var coordinator = new TransactionCoordinator(TransactionCoordinatorConfig.From(config), store, markers, nextProducerId, time,
            loggerFactory.CreateLogger("Runnel.Transactions"));
        coordinator.Follow(topics, config.NodeId);
        return coordinator;
    }

    /// <summary>Asks for __transaction_state to be created if it does not exist (FindCoordinator for a transactional id).</summary>
    public void RequestStateTopic() => _ = _store.CreateIfMissingAsync();

    /// <summary>The __transaction_state partition of an id: Kafka's <c>Utils.abs(transactionalId.hashCode) % partitions</c>.</summary>
    public int PartitionFor(string transactionalId) => GroupCoordinator.PartitionFor(transactionalId, _partitionCount);

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Writes <paramref name="metadata"/>'s pending transition (begun by the caller) to the log and waits until it counts.
    /// It becomes the current state only if the partition is still led here in the same epoch; NOT_COORDINATOR
    /// otherwise. Append errors are mapped as Kafka's TransactionStateManager maps them, so clients retry where they can.
    /// </summary>
    private async Task<ErrorCode> WriteAsync(TransactionPartition partition, TransactionMetadata metadata, TransactionSnapshot next)
    {
        var record = TransactionLog.Record(metadata.TransactionalId, next.State == TransactionState.Dead ? null : next);
        var append = _store.Append(partition.Index, [record]);
        var error = append.Appended ? await append.Durable.ConfigureAwait(false) : append.Error;
        lock (metadata)
        {
            if (error == ErrorCode.None && partition.IsActive && Owned(partition.Index) == partition && metadata.Pending == next)
            {
                metadata.Complete();
                return ErrorCode.None;
            }
            if (metadata.Pending == next)
                metadata.Abandon();
        }
        if (error != ErrorCode.None)
        {
            _logger.LogInformation("Could not write {State} of transactional id {TransactionalId} to {Topic}-{Partition}: {Error}", next.State,
                metadata.TransactionalId, TopicName, partition.Index, error);
        }
        return error switch
        {
            ErrorCode.None => ErrorCode.NotCoordinator,
            ErrorCode.UnknownTopicOrPartition or ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend or ErrorCode.RequestTimedOut
                => ErrorCode.CoordinatorNotAvailable,
            ErrorCode.NotLeaderOrFollower or ErrorCode.KafkaStorageError => ErrorCode.NotCoordinator,
            _ => ErrorCode.UnknownServerError,
        };
    }

    public void Dispose()
    {
        List<TransactionPartition> unloading = [];
        lock (_ownership)
        {
            _disposed = true;
            for (var i = 0; i < _partitionCount; i++)
            {
                if (Owned(i) is { } owned)
                    unloading.Add(owned);
                Volatile.Write(ref _owned[i], null);
            }
        }
        foreach (var partition in unloading)
            partition.Close();
        Unfollow();
    }
}
