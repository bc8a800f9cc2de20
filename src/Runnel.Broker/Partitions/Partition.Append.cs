using Runnel.Protocol;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage;
using Runnel.Storage.Producers;

namespace Runnel.Broker.Partitions;

/// <summary>The outcome of an append: offsets assigned (or the original ones of a retried duplicate), or the error.</summary>
internal readonly record struct AppendOutcome(ErrorCode Error, string? Message, long FirstOffset, long LastOffset, long LogStartOffset)
{
    public static AppendOutcome Failed(ErrorCode error, string? message) => new(error, message, -1, -1, -1);

    public bool Succeeded => Error == ErrorCode.None;
}

/// <summary>Appends: as the leader (producers, the group coordinator) and as a follower (copying the leader).</summary>
internal sealed partial class Partition
{
    /// <summary>
    /// Appends one batch the broker validated (<paramref name="info"/> is that validation's summary) as the leader, in
    /// one step under the partition's lock: leadership and min.insync.replicas are checked (acks=all with a committed
    /// ISR below it is NOT_ENOUGH_REPLICAS, nothing written), the current leader epoch is stamped, an idempotent producer's
    /// sequence is checked (a retried batch answers with its original offsets), a non-transactional batch of a producer
    /// with a transaction open here is INVALID_TXN_STATE (Kafka's appendDataBatch), and the log assigns offsets (a
    /// transactional batch opens its producer's transaction, see <see cref="PartitionLog.LastStableOffset"/>).
    /// </summary>
    public AppendOutcome AppendAsLeader(Span<byte> batch, in RecordBatchInfo info, short requiredAcks)
    {
        AppendOutcome outcome;
        long? highWatermark;
        lock (_lock)
        {
            var assignment = _assignment;
            if (!assignment.IsLeader(_localId))
                return AppendOutcome.Failed(ErrorCode.NotLeaderOrFollower, $"This broker does not lead {TopicPartition}.");
            if (requiredAcks == -1 && assignment.Isr.Length < EffectiveMinIsr(assignment))
            {
                return AppendOutcome.Failed(ErrorCode.NotEnoughReplicas,
                    $"The in-sync replicas of {TopicPartition} ({assignment.Isr.Length}) are fewer than min.insync.replicas ({EffectiveMinIsr(assignment)}).");
            }
            RecordBatch.SetPartitionLeaderEpoch(batch, assignment.LeaderEpoch);
            var producer = new ProducerBatch(info.ProducerId, info.ProducerEpoch, info.BaseSequence, info.LastSequence);
            if (info.HasProducerId)
            {
                var check = Log.CheckProducerBatch(producer);
                if (check.IsDuplicate)
                    return new AppendOutcome(ErrorCode.None, null, check.DuplicateOfOffset, check.DuplicateOfOffset + info.LastOffsetDelta, Log.LogStartOffset);
                if (check.Error != ErrorCode.None)
                    return AppendOutcome.Failed(check.Error, check.Message);
                if (CheckTransactionState(info.ProducerId, info.IsTransactional) is { } refused)
                    return refused;
            }
            var appended = Log.AppendAsLeader(batch, new ValidatedBatch(info.LastOffsetDelta, info.MaxTimestamp, assignment.LeaderEpoch));
            _appended.Record(appended.LastOffset + 1, batch.Length);
            highWatermark = MaybeIncrementHighWatermarkLocked();
            outcome = new AppendOutcome(ErrorCode.None, null, appended.FirstOffset, appended.LastOffset, appended.LogStartOffset);
        }
        AfterAppend(highWatermark);
        Metrics?.Appended(TopicPartition.Topic, batch.Length, info.RecordCount);
        return outcome;
    }

    /// <summary>
    /// Appends batches the broker built itself (the group coordinator's records) as the leader, as acks=all would: stamped
    /// with the current leader epoch, offsets assigned by the log. NOT_LEADER_OR_FOLLOWER when this node no longer
    /// leads; NOT_ENOUGH_REPLICAS (nothing written) while the ISR is below min.insync.replicas. A batch carrying a producer
    /// (a transactional offset commit) gets Kafka's checks for the coordinator's appends: the producer epoch
    /// (INVALID_PRODUCER_EPOCH) and the transaction state (INVALID_TXN_STATE); nothing is written when one fails.
    /// </summary>
    public AppendOutcome AppendInternal(Span<byte> batches)
    {
        AppendOutcome outcome;
        long? highWatermark;
        lock (_lock)
        {
            var assignment = _assignment;
            if (!assignment.IsLeader(_localId))
                return AppendOutcome.Failed(ErrorCode.NotLeaderOrFollower, $"This broker does not lead {TopicPartition}.");
            if (assignment.Isr.Length < EffectiveMinIsr(assignment))
                return AppendOutcome.Failed(ErrorCode.NotEnoughReplicas, $"The in-sync replicas of {TopicPartition} are fewer than min.insync.replicas.");
            if (CheckInternalProducers(batches) is { } refused)
                return refused;
            RecordBatch.SetPartitionLeaderEpoch(batches, assignment.LeaderEpoch);
            var appended = Log.Append(batches);
            _appended.Record(appended.LastOffset + 1, batches.Length);
            highWatermark = MaybeIncrementHighWatermarkLocked();
            outcome = new AppendOutcome(ErrorCode.None, null, appended.FirstOffset, appended.LastOffset, appended.LogStartOffset);
        }
        AfterAppend(highWatermark);
        return outcome;
    }

    /// <summary>
    /// Writes the end of <paramref name="producerId"/>'s transaction on this partition as the leader (Kafka's
    /// WriteTxnMarkers append, origin COORDINATOR): a control batch with a commit or abort marker carrying
    /// <paramref name="coordinatorEpoch"/>, stamped with the leader epoch. The log closes the producer's transaction and
    /// indexes it when aborted. NOT_LEADER_OR_FOLLOWER when this node does not lead; NOT_ENOUGH_REPLICAS while the ISR is
    /// below min.insync.replicas; INVALID_PRODUCER_EPOCH for an epoch older than the producer's;
    /// TRANSACTION_COORDINATOR_FENCED for a coordinator epoch older than the producer's last marker here. Nothing is
    /// written on an error.
    /// </summary>
    public AppendOutcome AppendMarker(long producerId, short producerEpoch, int coordinatorEpoch, bool commit)
    {
        AppendOutcome outcome;
        long? highWatermark;
        lock (_lock)
        {
            var assignment = _assignment;
            if (!assignment.IsLeader(_localId))
                return AppendOutcome.Failed(ErrorCode.NotLeaderOrFollower, $"This broker does not lead {TopicPartition}.");
            if (assignment.Isr.Length < EffectiveMinIsr(assignment))
                return AppendOutcome.Failed(ErrorCode.NotEnoughReplicas, $"The in-sync replicas of {TopicPartition} are fewer than min.insync.replicas.");
            var check = Log.CheckMarker(producerId, producerEpoch, coordinatorEpoch);
            if (check.Error != ErrorCode.None)
                return AppendOutcome.Failed(check.Error, check.Message);
            using var writer = new KafkaWriter(128);
            var size = ControlRecord.WriteEndTransactionMarker(writer, commit, coordinatorEpoch, producerId, producerEpoch,
                _time.GetUtcNow().ToUnixTimeMilliseconds(), partitionLeaderEpoch: assignment.LeaderEpoch);
            var batch = writer.WrittenRegion(0, size);
            var appended = Log.Append(batch);
            _appended.Record(appended.LastOffset + 1, size);
            highWatermark = MaybeIncrementHighWatermarkLocked();
            outcome = new AppendOutcome(ErrorCode.None, null, appended.FirstOffset, appended.LastOffset, appended.LogStartOffset);
        }
        AfterAppend(highWatermark);
        NotifyLastStableWatchers();
        return outcome;
    }

    /// <summary>Kafka's appendDataBatch rule: a producer with a transaction open here may only write transactional batches.</summary>
    private AppendOutcome? CheckTransactionState(long producerId, bool transactional)
    {
        if (transactional || Log.OpenTransactionStart(producerId) < 0)
            return null;
        return AppendOutcome.Failed(ErrorCode.InvalidTxnState,
            $"Expected a transactional write from producer {producerId} in {TopicPartition}: it has a transaction open since offset {Log.OpenTransactionStart(producerId)}.");
    }

    /// <summary>The coordinator-origin checks of every producer batch among <paramref name="batches"/> (see <see cref="AppendInternal"/>).</summary>
    private AppendOutcome? CheckInternalProducers(ReadOnlySpan<byte> batches)
    {
        while (RecordBatchHeader.TryRead(batches, out var header) && header.TotalSize <= batches.Length && header.TotalSize > 0)
        {
            if (header.ProducerId >= 0 && !header.IsControl)
            {
                var check = Log.CheckProducerEpoch(header.ProducerId, header.ProducerEpoch);
                if (check.Error != ErrorCode.None)
                    return AppendOutcome.Failed(check.Error, check.Message);
                if (CheckTransactionState(header.ProducerId, header.IsTransactional) is { } refused)
                    return refused;
            }
            batches = batches[header.TotalSize..];
        }
        return null;
    }

    /// <summary>
    /// Waits until <paramref name="lastOffset"/> is replicated to the ISR (the high watermark passed it), as Kafka's
    /// DelayedProduce does for acks=all, then, with <paramref name="fsync"/>, until it is on the leader's disk. NONE; or
    /// NOT_ENOUGH_REPLICAS_AFTER_APPEND when the maximal ISR (the ISR with a pending addition) is below
    /// min.insync.replicas by then;
    /// NOT_LEADER_OR_FOLLOWER when leadership moved; REQUEST_TIMED_OUT after <paramref name="timeout"/>;
    /// KAFKA_STORAGE_ERROR when the fsync failed.
    /// </summary>
    public async Task<(ErrorCode Error, string? Message)> WaitForAcksAsync(long lastOffset, bool fsync, TimeSpan timeout,
        CancellationToken cancellation)
    {
        var replicated = _replicated.WaitFor(lastOffset + 1);
        if (!replicated.IsCompleted)
        {
            try
            {
                await replicated.WaitAsync(timeout, _time, cancellation).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return (ErrorCode.RequestTimedOut, $"{TopicPartition}: offset {lastOffset} was not replicated to the in-sync replicas within {timeout.TotalMilliseconds} ms.");
            }
        }
        var error = await replicated.ConfigureAwait(false);
        if (error != ErrorCode.None)
            return (error, $"{TopicPartition}: leadership moved before offset {lastOffset} was replicated.");
        if (MaximalIsrSize() is var (size, min) && size < min)
            return (ErrorCode.NotEnoughReplicasAfterAppend, $"{TopicPartition}: the in-sync replicas fell below min.insync.replicas ({min}) after the append.");
        if (!fsync)
            return (ErrorCode.None, null);
        try
        {
            await Log.WaitForDurableAsync(lastOffset + 1).ConfigureAwait(false);
            return (ErrorCode.None, null);
        }
        catch (StorageException e)
        {
            return (ErrorCode.KafkaStorageError, $"the append was not made durable: {e.Message}");
        }
    }

    /// <summary>
    /// Appends batches fetched from the leader, offsets and epochs as the leader wrote them; the log's producer state
    /// follows them (so this replica can lead next), and the high watermark becomes the leader's, capped at this log's end.
    /// Only while this node still follows in <paramref name="leaderEpoch"/> (checked under the lock, so a leadership
    /// change never interleaves with a follower's append); false otherwise, and nothing is appended.
    /// </summary>
    public bool AppendAsFollower(Span<byte> batches, long leaderHighWatermark, int leaderEpoch)
    {
        lock (_lock)
        {
            if (!FollowsLocked(leaderEpoch))
                return false;
            if (!batches.IsEmpty)
            {
                var appended = Log.AppendAsFollower(batches);
                _appended.Record(appended.LastOffset + 1, batches.Length);
            }
            UpdateFollowerHighWatermarkLocked(leaderHighWatermark);
        }
        NotifyWatchers(replicaEnd: true);
        return true;
    }

    private bool FollowsLocked(int leaderEpoch) => !_assignment.IsLeader(_localId) && _assignment.LeaderEpoch == leaderEpoch && _assignment.IsReplica(_localId);

    private void UpdateFollowerHighWatermarkLocked(long leaderHighWatermark)
    {
        var value = Math.Min(leaderHighWatermark, Log.LogEndOffset);
        if (value > Log.HighWatermark)
            Log.UpdateHighWatermark(value);
    }

    /// <summary>
    /// Removes every offset at or past <paramref name="offset"/> (this follower diverged from its leader there), while it
    /// still follows in <paramref name="leaderEpoch"/>. The log reloads the producers' state for what remains.
    /// </summary>
    public bool TruncateTo(long offset, int leaderEpoch) => Truncate(leaderEpoch, () => Log.TruncateTo(offset));

    /// <summary>Empties the log and restarts it at <paramref name="offset"/> (this follower is behind the leader's log start).</summary>
    public bool TruncateFullyAndStartAt(long offset, int leaderEpoch) => Truncate(leaderEpoch, () => Log.TruncateFullyAndStartAt(offset));

    private bool Truncate(int leaderEpoch, Action truncate)
    {
        lock (_lock)
        {
            if (!FollowsLocked(leaderEpoch))
                return false;
            truncate();
            _appended.Reset(Log.LogEndOffset);
        }
        WakeWatchers();
        return true;
    }

    /// <summary>A follower applies the leader's log start (DeleteRecords, retention there) once its own log reaches it.</summary>
    public void MaybeAdvanceLogStartOffset(long leaderLogStartOffset)
    {
        if (leaderLogStartOffset > Log.LogStartOffset && leaderLogStartOffset <= Log.HighWatermark)
            Log.AdvanceLogStartOffset(leaderLogStartOffset);
    }

    /// <summary>After the lock: replica fetches waiting for the log end, then whoever waits for the new high watermark.</summary>
    private void AfterAppend(long? highWatermark)
    {
        NotifyWatchers(replicaEnd: true);
        if (highWatermark is { } hw)
        {
            _replicated.Advance(hw);
            NotifyWatchers(replicaEnd: false);
        }
    }
}
