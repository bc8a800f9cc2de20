using Runnel.Protocol;
using Runnel.Storage;
using Runnel.Storage.Epochs;
using Runnel.Storage.Transactions;

namespace Runnel.Broker.Partitions;

/// <summary>
/// What a read found: the error (then no records), or the records (possibly none) with the bounds to report; for a
/// replica whose log diverged, the epoch and end offset it must truncate to instead of records. A read_committed read
/// carries the aborted transactions overlapping the records it returned (empty when none or no records).
/// </summary>
internal readonly record struct PartitionRead(ErrorCode Error, LogReadResult? Records, long HighWatermark, long LogStartOffset, long LogEndOffset,
    (int Epoch, long EndOffset)? DivergingEpoch = null, long LastStableOffset = -1, IReadOnlyList<AbortedTransaction>? AbortedTransactions = null)
{
    public static PartitionRead Failed(ErrorCode error) => new(error, null, -1, -1, -1);
}

/// <summary>Reads: consumers up to the high watermark, followers up to the log end, and the leader epoch lookups.</summary>
internal sealed partial class Partition
{
    /// <summary>
    /// A consumer's read at the leader: whole batches from <paramref name="offset"/> below the high watermark (the last
    /// stable offset for read_committed, with the aborted transactions the records overlap, as Kafka's
    /// collectAbortedTransactions finds them). NOT_LEADER_OR_FOLLOWER when this node does not lead; the KIP-320 epoch
    /// check; OFFSET_OUT_OF_RANGE outside [log start, log end].
    /// </summary>
    public PartitionRead ReadForConsumer(long offset, int maxBytes, bool readCommitted, bool minOneBatch, int currentLeaderEpoch, int lastFetchedEpoch = -1)
    {
        if (CheckLeaderEpoch(currentLeaderEpoch) is var epochError && epochError != ErrorCode.None)
            return PartitionRead.Failed(epochError);
        if (!IsLeader)
            return PartitionRead.Failed(ErrorCode.NotLeaderOrFollower);
        var highWatermark = HighWatermark;
        var lastStable = LastStableOffset;
        if (CheckDivergence(offset, lastFetchedEpoch) is { } diverged)
            return diverged;
        var read = ReadLog(offset, maxBytes, readCommitted ? lastStable : highWatermark, minOneBatch, highWatermark, lastStable);
        if (read.Records is { } returned)
            Metrics?.Read(TopicPartition.Topic, returned.Length);
        if (!readCommitted || read.Error != ErrorCode.None)
            return read;
        var aborted = read.Records is { IsEmpty: false } records ? Log.CollectAbortedTransactions(offset, records.NextOffset) : [];
        return read with { AbortedTransactions = aborted };
    }

    /// <summary>
    /// A follower's fetch at the leader: its offset records its progress (and may move the high watermark and the ISR),
    /// then, unless its log diverged from this one, whole batches up to the log end. Divergence (Kafka's
    /// lastFetchedEpoch check, Fetch v12+): the leader's end offset for the follower's last fetched epoch is below its
    /// fetch offset, or that epoch is not one of the leader's; the follower truncates to the answer and fetches again.
    /// With <paramref name="withholdRecords"/> (a throttled replica over its rate) the progress still counts but no
    /// records are returned.
    /// </summary>
    public PartitionRead ReadForReplica(int replicaId, long brokerEpoch, long fetchOffset, int lastFetchedEpoch, int currentLeaderEpoch,
        int maxBytes, bool minOneBatch, bool withholdRecords = false)
    {
        if (CheckLeaderEpoch(currentLeaderEpoch) is var epochError && epochError != ErrorCode.None)
            return PartitionRead.Failed(epochError);
        if (!IsLeader)
            return PartitionRead.Failed(ErrorCode.NotLeaderOrFollower);
        // The high watermark as it was before this fetch moved it, as Kafka reports it: followers learn of a rise on
        // their next fetch.
        var highWatermark = HighWatermark;
        if (CheckDivergence(fetchOffset, lastFetchedEpoch) is { } diverged)
            return diverged;
        var update = UpdateFollowerFetchState(replicaId, brokerEpoch, fetchOffset, namedLeaderEpoch: currentLeaderEpoch >= 0);
        if (update != ErrorCode.None)
            return PartitionRead.Failed(update);
        return ReadLog(fetchOffset, maxBytes, withholdRecords ? fetchOffset : long.MaxValue, minOneBatch, highWatermark, LastStableOffset);
    }

    /// <summary>
    /// Kafka's check of a fetch's last fetched epoch (Fetch v12+, -1 when absent): OFFSET_OUT_OF_RANGE when this log
    /// cannot say where that epoch ends or the offset is below its start; a DivergingEpoch answer when the epoch ended
    /// here before the fetch offset, or this log only knows smaller epochs; null when the fetch may read.
    /// </summary>
    private PartitionRead? CheckDivergence(long fetchOffset, int lastFetchedEpoch)
    {
        if (lastFetchedEpoch < 0)
            return null;
        var (epoch, endOffset) = EndOffsetForEpoch(lastFetchedEpoch);
        if (epoch < 0 || endOffset < 0 || fetchOffset < LogStartOffset)
            return new PartitionRead(ErrorCode.OffsetOutOfRange, null, HighWatermark, LogStartOffset, LogEndOffset, LastStableOffset: LastStableOffset);
        if (epoch < lastFetchedEpoch || endOffset < fetchOffset)
            return new PartitionRead(ErrorCode.None, null, HighWatermark, LogStartOffset, LogEndOffset, (epoch, endOffset), LastStableOffset);
        return null;
    }

    /// <summary>Kafka's endOffsetForEpoch (OffsetForLeaderEpoch, divergence): see <see cref="LeaderEpochCache.EndOffsetFor"/>.</summary>
    public (int Epoch, long EndOffset) EndOffsetForEpoch(int epoch) => Log.LeaderEpochs.EndOffsetFor(epoch, Log.LogEndOffset);

    private PartitionRead ReadLog(long offset, int maxBytes, long bound, bool minOneBatch, long highWatermark, long lastStable)
    {
        try
        {
            var result = Log.Read(offset, maxBytes, bound, minOneBatch);
            return new PartitionRead(ErrorCode.None, result, highWatermark, result.LogStartOffset, result.LogEndOffset, LastStableOffset: Math.Min(lastStable, highWatermark));
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.OffsetOutOfRange)
        {
            return new PartitionRead(ErrorCode.OffsetOutOfRange, null, highWatermark, LogStartOffset, LogEndOffset, LastStableOffset: lastStable);
        }
        catch (StorageException)
        {
            return new PartitionRead(ErrorCode.KafkaStorageError, null, highWatermark, LogStartOffset, LogEndOffset, LastStableOffset: lastStable);
        }
    }
}
