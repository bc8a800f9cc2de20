using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Broker.Tests.Groups;
using Runnel.Broker.Transactions;
using Runnel.Protocol;
using Runnel.Storage;
using Xunit;

namespace Runnel.Broker.Tests.Transactions;

/// <summary>Markers kept in memory, in the order the coordinator wrote them; a leader that refuses them on demand.</summary>
internal sealed class MemoryMarkerWriter : ITransactionMarkerWriter
{
    private readonly List<TransactionMarker> _written = [];

    /// <summary>When set, every write waits for it (a leader that does not answer yet).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>When true, leaders refuse markers as from a fenced coordinator.</summary>
    public bool Fence { get; set; }

    public IReadOnlyList<TransactionMarker> Written
    {
        get
        {
            lock (_written)
                return [.. _written];
        }
    }

    public async Task<bool> WriteAsync(TransactionMarker marker, CancellationToken stop)
    {
        if (Gate is { } gate)
            await gate.Task.WaitAsync(stop);
        // A coordinator that stopped (resigned, disposed) sends nothing more, however late its send started.
        stop.ThrowIfCancellationRequested();
        if (Fence)
            return false;
        lock (_written)
            _written.Add(marker);
        return true;
    }
}

public sealed class TransactionCoordinatorTests
{
    private const string Id = "txn-1";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly TopicPartition Orders0 = new("orders", 0), Orders1 = new("orders", 1);

    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryGroupStore _store = new(partitions: 3);
    private readonly MemoryMarkerWriter _markers = new();
    private long _nextProducerId = 1000;

    private TransactionCoordinator Start(TransactionCoordinatorConfig? config = null)
    {
        var coordinator = new TransactionCoordinator(config ?? new TransactionCoordinatorConfig(900_000, 604_800_000, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1)),
            _store, _markers, _ => Task.FromResult(Interlocked.Increment(ref _nextProducerId)), _time, NullLogger.Instance);
        Assert.True(Task.WaitAll([.. Enumerable.Range(0, _store.PartitionCount).Select(p => coordinator.OnElection(p, 5))], Wait));
        return coordinator;
    }

    private static async Task<ProducerIdResult> InitAsync(TransactionCoordinator coordinator, long expectedId = -1, short expectedEpoch = -1, int timeoutMs = 60_000)
        => await coordinator.InitProducerIdAsync(Id, timeoutMs, expectedId, expectedEpoch, CancellationToken.None);

    [Fact]
    public async Task A_new_id_gets_epoch_0_and_each_init_bumps_the_epoch_of_the_same_producer_id()
    {
        using var coordinator = Start();
        var first = await InitAsync(coordinator);
        Assert.Equal((ErrorCode.None, 1001L, (short)0), (first.Error, first.ProducerId, first.ProducerEpoch));
        var second = await InitAsync(coordinator);
        Assert.Equal((ErrorCode.None, 1001L, (short)1), (second.Error, second.ProducerId, second.ProducerEpoch));
        // The first producer is fenced now.
        Assert.Equal(ErrorCode.ProducerFenced, await coordinator.AddPartitionsAsync(Id, 1001, 0, [Orders0]));
        Assert.Equal(ErrorCode.None, await coordinator.AddPartitionsAsync(Id, 1001, 1, [Orders0]));
    }

    [Fact]
    public async Task Requests_for_an_unknown_id_or_another_producer_id_are_invalid_mappings()
    {
        using var coordinator = Start();
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, await coordinator.AddPartitionsAsync("nobody", 1, 0, [Orders0]));
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, await coordinator.EndTransactionAsync("nobody", 1, 0, commit: true));
        var init = await InitAsync(coordinator);
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, await coordinator.AddPartitionsAsync(Id, init.ProducerId + 1, 0, [Orders0]));
        Assert.Equal(ErrorCode.InvalidRequest, (await coordinator.InitProducerIdAsync("", 1000, -1, -1, CancellationToken.None)).Error);
        Assert.Equal(ErrorCode.InvalidTransactionTimeout, (await InitAsync(coordinator, timeoutMs: 900_001)).Error);
    }

    [Fact]
    public async Task A_commit_writes_prepare_then_markers_to_every_partition_then_complete()
    {
        using var coordinator = Start();
        var init = await InitAsync(coordinator);
        Assert.Equal(ErrorCode.None, await coordinator.AddPartitionsAsync(Id, init.ProducerId, init.ProducerEpoch, [Orders0]));
        Assert.Equal(ErrorCode.None, await coordinator.AddPartitionsAsync(Id, init.ProducerId, init.ProducerEpoch, [Orders0, Orders1]));
        Assert.Equal(TransactionState.Ongoing, coordinator.Describe(Id).Transaction!.State);
        Assert.Equal(ErrorCode.None, await coordinator.EndTransactionAsync(Id, init.ProducerId, init.ProducerEpoch, commit: true));
        await coordinator.CompletionOf(Id).WaitAsync(Wait);

        var marker = Assert.Single(_markers.Written);
        Assert.True(marker.Commit);
        Assert.Equal((init.ProducerId, init.ProducerEpoch, 5), (marker.ProducerId, marker.ProducerEpoch, marker.CoordinatorEpoch));
        Assert.Equal([Orders0, Orders1], marker.Partitions.OrderBy(p => p.Partition));
        var described = coordinator.Describe(Id).Transaction!;
        Assert.Equal(TransactionState.CompleteCommit, described.State);
        Assert.Empty(described.Partitions);
        var states = LoggedStates(coordinator.PartitionFor(Id));
        Assert.Equal([TransactionState.Empty, TransactionState.Ongoing, TransactionState.Ongoing, TransactionState.PrepareCommit, TransactionState.CompleteCommit], states);

        // Retried end: the same result is NONE, the other is INVALID_TXN_STATE; no transaction open is INVALID_TXN_STATE.
        Assert.Equal(ErrorCode.None, await coordinator.EndTransactionAsync(Id, init.ProducerId, init.ProducerEpoch, commit: true));
        Assert.Equal(ErrorCode.InvalidTxnState, await coordinator.EndTransactionAsync(Id, init.ProducerId, init.ProducerEpoch, commit: false));
        var fresh = await InitAsync(coordinator);
        Assert.Equal(ErrorCode.InvalidTxnState, await coordinator.EndTransactionAsync(Id, fresh.ProducerId, fresh.ProducerEpoch, commit: true));
    }

    [Fact]
    public async Task While_markers_are_being_written_the_id_answers_concurrent_transactions_and_the_next_add_waits_for_the_end()
    {
        using var coordinator = Start();
        var init = await InitAsync(coordinator);
        await coordinator.AddPartitionsAsync(Id, init.ProducerId, init.ProducerEpoch, [Orders0]);
        _markers.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.Equal(ErrorCode.None, await coordinator.EndTransactionAsync(Id, init.ProducerId, init.ProducerEpoch, commit: false));
        // The next transaction's first AddPartitionsToTxn waits for the end rather than being refused.
        var next = coordinator.AddPartitionsAsync(Id, init.ProducerId, init.ProducerEpoch, [Orders1]);
        Assert.False(next.IsCompleted);
        Assert.Equal(ErrorCode.ConcurrentTransactions, (await InitAsync(coordinator)).Error);
        Assert.Equal(ErrorCode.ConcurrentTransactions, await coordinator.EndTransactionAsync(Id, init.ProducerId, init.ProducerEpoch, commit: false));
        _markers.Gate.SetResult();
        Assert.Equal(ErrorCode.None, await next.WaitAsync(Wait));
        Assert.False(Assert.Single(_markers.Written).Commit);
        var described = coordinator.Describe(Id).Transaction!;
        Assert.Equal(TransactionState.Ongoing, described.State);
        Assert.Equal([Orders1], described.Partitions);
    }

    [Fact]
    public async Task An_add_waiting_for_an_end_that_does_not_come_within_a_second_is_concurrent_transactions()
    {
        using var coordinator = Start();
        var init = await InitAsync(coordinator);
        await coordinator.AddPartitionsAsync(Id, init.ProducerId, init.ProducerEpoch, [Orders0]);
        _markers.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.Equal(ErrorCode.None, await coordinator.EndTransactionAsync(Id, init.ProducerId, init.ProducerEpoch, commit: true));
        var next = coordinator.AddPartitionsAsync(Id, init.ProducerId, init.ProducerEpoch, [Orders1]);
        _time.Advance(1_000);
        Assert.Equal(ErrorCode.ConcurrentTransactions, await next.WaitAsync(Wait));
        _markers.Gate.SetResult();
        await coordinator.CompletionOf(Id).WaitAsync(Wait);
    }

    [Fact]
    public async Task Init_while_a_transaction_is_open_aborts_it_with_the_epoch_bumped_then_the_retry_gets_a_newer_epoch()
    {
        using var coordinator = Start();
        var old = await InitAsync(coordinator);
        await coordinator.AddPartitionsAsync(Id, old.ProducerId, old.ProducerEpoch, [Orders0]);

        Assert.Equal(ErrorCode.ConcurrentTransactions, (await InitAsync(coordinator)).Error);
        await coordinator.CompletionOf(Id).WaitAsync(Wait);
        var abort = Assert.Single(_markers.Written);
        Assert.False(abort.Commit);
        Assert.Equal(old.ProducerEpoch + 1, abort.ProducerEpoch);
        // The old producer cannot finish its transaction.
        Assert.Equal(ErrorCode.ProducerFenced, await coordinator.EndTransactionAsync(Id, old.ProducerId, old.ProducerEpoch, commit: true));
        var retried = await InitAsync(coordinator);
        Assert.Equal((ErrorCode.None, old.ProducerId, (short)(old.ProducerEpoch + 2)), (retried.Error, retried.ProducerId, retried.ProducerEpoch));
    }

    [Fact]
    public async Task An_open_transaction_past_its_timeout_is_aborted_and_its_producer_fenced()
    {
        using var coordinator = Start();
        var init = await InitAsync(coordinator, timeoutMs: 5_000);
        await coordinator.AddPartitionsAsync(Id, init.ProducerId, init.ProducerEpoch, [Orders0]);
        _time.Advance(4_000);
        coordinator.AbortTimedOut();
        Assert.Equal(TransactionState.Ongoing, coordinator.Describe(Id).Transaction!.State);

        _time.Advance(1_001);
        coordinator.AbortTimedOut();
        await coordinator.CompletionOf(Id).WaitAsync(Wait);
        var abort = Assert.Single(_markers.Written);
        Assert.Equal((false, (short)(init.ProducerEpoch + 1)), (abort.Commit, abort.ProducerEpoch));
        Assert.Equal(TransactionState.CompleteAbort, coordinator.Describe(Id).Transaction!.State);
        Assert.Equal(ErrorCode.ProducerFenced, await coordinator.EndTransactionAsync(Id, init.ProducerId, init.ProducerEpoch, commit: true));
    }

    [Fact]
    public async Task KIP_360_a_producer_that_passes_its_id_and_epoch_keeps_its_id_and_a_stale_one_is_fenced()
    {
        using var coordinator = Start();
        var first = await InitAsync(coordinator);
        var recovered = await InitAsync(coordinator, first.ProducerId, first.ProducerEpoch);
        Assert.Equal((ErrorCode.None, first.ProducerId, (short)(first.ProducerEpoch + 1)), (recovered.Error, recovered.ProducerId, recovered.ProducerEpoch));
        // A retry of that bump (the answer was lost) gets the same epoch.
        var retry = await InitAsync(coordinator, first.ProducerId, first.ProducerEpoch);
        Assert.Equal(recovered.ProducerEpoch, retry.ProducerEpoch);
        Assert.Equal(ErrorCode.ProducerFenced, (await InitAsync(coordinator, first.ProducerId + 7, 0)).Error);
    }

    [Fact]
    public async Task A_new_coordinator_loads_the_ids_and_finishes_a_transaction_left_in_prepare()
    {
        ProducerIdResult init;
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (var coordinator = Start())
        {
            init = await InitAsync(coordinator);
            await coordinator.AddPartitionsAsync(Id, init.ProducerId, init.ProducerEpoch, [Orders1]);
            _markers.Gate = blocked;
            Assert.Equal(ErrorCode.None, await coordinator.EndTransactionAsync(Id, init.ProducerId, init.ProducerEpoch, commit: true));
            // The coordinator fails over before any marker is written.
            coordinator.OnResignation(coordinator.PartitionFor(Id), leaderEpoch: 6);
        }
        _markers.Gate = null;
        Assert.Empty(_markers.Written);

        using var next = Start();
        await next.CompletionOf(Id).WaitAsync(Wait);
        var marker = Assert.Single(_markers.Written);
        Assert.True(marker.Commit);
        Assert.Equal([Orders1], marker.Partitions);
        Assert.Equal(TransactionState.CompleteCommit, next.Describe(Id).Transaction!.State);
        Assert.Equal(init.ProducerEpoch + 1, (await InitAsync(next)).ProducerEpoch);
    }

    [Fact]
    public async Task Ids_not_used_for_longer_than_the_expiration_are_removed_with_a_tombstone()
    {
        using var coordinator = Start(new TransactionCoordinatorConfig(900_000, IdExpirationMs: 60_000, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1)));
        await InitAsync(coordinator);
        _time.Advance(59_000);
        coordinator.RemoveExpired();
        Assert.Equal(ErrorCode.None, coordinator.Describe(Id).Error);
        _time.Advance(2_000);
        coordinator.RemoveExpired();
        await coordinator.CompletionOf(Id).WaitAsync(Wait);
        Assert.Equal(ErrorCode.TransactionalIdNotFound, coordinator.Describe(Id).Error);
        Assert.Null(_store.Partition(coordinator.PartitionFor(Id))[^1].Value);
    }

    [Fact]
    public async Task The_log_records_round_trip_in_Kafka_format()
    {
        using var coordinator = Start();
        var init = await InitAsync(coordinator);
        await coordinator.AddPartitionsAsync(Id, init.ProducerId, init.ProducerEpoch, [Orders0, new TopicPartition("audit", 3)]);
        var record = _store.Partition(coordinator.PartitionFor(Id))[^1];
        Assert.True(TransactionLog.TryRead(record.Key, record.Value, out var id, out var snapshot, out _));
        Assert.Equal(Id, id);
        Assert.Equal((init.ProducerId, init.ProducerEpoch, 60_000, TransactionState.Ongoing), (snapshot!.ProducerId, snapshot.ProducerEpoch, snapshot.TimeoutMs, snapshot.State));
        Assert.Equal(new HashSet<TopicPartition> { Orders0, new("audit", 3) }, snapshot.Partitions);
        // Key: int16 version 0, then the id as a non-compact string.
        Assert.Equal(new byte[] { 0, 0, 0, 5, (byte)'t', (byte)'x', (byte)'n', (byte)'-', (byte)'1' }, record.Key);
        Assert.Equal(0, record.Value![0] << 8 | record.Value[1]);
    }

    [Fact]
    public async Task A_write_that_does_not_count_leaves_the_state_as_it_was()
    {
        using var coordinator = Start();
        var init = await InitAsync(coordinator);
        _store.DurableWith = ErrorCode.NotEnoughReplicasAfterAppend;
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, await coordinator.AddPartitionsAsync(Id, init.ProducerId, init.ProducerEpoch, [Orders0]));
        Assert.Equal(TransactionState.Empty, coordinator.Describe(Id).Transaction!.State);
        _store.DurableWith = null;
        _store.RefuseWith = ErrorCode.NotLeaderOrFollower;
        Assert.Equal(ErrorCode.NotCoordinator, await coordinator.AddPartitionsAsync(Id, init.ProducerId, init.ProducerEpoch, [Orders0]));
        _store.RefuseWith = null;
        Assert.Equal(ErrorCode.None, await coordinator.AddPartitionsAsync(Id, init.ProducerId, init.ProducerEpoch, [Orders0]));
    }

    private List<TransactionState> LoggedStates(int partition)
        => [.. _store.Partition(partition).Select(r => TransactionLog.TryRead(r.Key, r.Value, out _, out var s, out _) ? s!.State : TransactionState.Dead)];
}
