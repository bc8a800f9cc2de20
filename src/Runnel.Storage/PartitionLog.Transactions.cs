using Runnel.Protocol.Records;
using Runnel.Storage.Producers;
using Runnel.Storage.Segments;
using Runnel.Storage.Transactions;

namespace Runnel.Storage;

public sealed partial class PartitionLog
{
    private readonly ProducerStateManager _producers = new();

    /// <summary>
    /// The last stable offset (Kafka's): below it every transaction is decided and its marker replicated. It is the
    /// high watermark, or the first offset of the oldest unstable transaction when that is lower (never below the
    /// log start).
    /// </summary>
    public long LastStableOffset
    {
        get
        {
            var highWatermark = HighWatermark;
            var firstUnstable = _producers.FirstUnstableOffset;
            return firstUnstable < 0 ? highWatermark : Math.Min(Math.Max(firstUnstable, LogStartOffset), highWatermark);
        }
    }

    /// <summary>The first offset of <paramref name="producerId"/>'s open transaction on this partition, or -1 when none is open.</summary>
    public long OpenTransactionStart(long producerId)
    {
        lock (_lock)
            return _producers.OpenTransactionStart(producerId);
    }

    /// <summary>The producers this log's producer state holds, for DescribeProducers (see <see cref="ProducerStateManager.ActiveProducers"/>).</summary>
    public IReadOnlyList<ActiveProducer> ActiveProducers()
    {
        lock (_lock)
            return _producers.ActiveProducers();
    }

    /// <summary>How many transactions are open on this partition.</summary>
    public int OpenTransactionCount
    {
        get
        {
            lock (_lock)
                return _producers.OpenTransactionCount;
        }
    }

    /// <summary>How many producers this partition keeps state for.</summary>
    public int ProducerCount
    {
        get
        {
            lock (_lock)
                return _producers.ProducerCount;
        }
    }

    /// <summary>
    /// The checks of a producer's own batch against its state here (see <see cref="ProducerStateManager.Check"/>). The
    /// caller serialises its check and the append that follows (the broker's partition lock).
    /// </summary>
    public SequenceCheck CheckProducerBatch(in ProducerBatch batch)
    {
        lock (_lock)
            return _producers.Check(batch);
    }

    /// <summary>The epoch check of a batch the broker wrote for a producer (see <see cref="ProducerStateManager.CheckEpoch"/>).</summary>
    public SequenceCheck CheckProducerEpoch(long producerId, short epoch)
    {
        lock (_lock)
            return _producers.CheckEpoch(producerId, epoch);
    }

    /// <summary>The checks of an end-transaction marker (see <see cref="ProducerStateManager.CheckMarker"/>).</summary>
    public SequenceCheck CheckMarker(long producerId, short epoch, int coordinatorEpoch)
    {
        lock (_lock)
            return _producers.CheckMarker(producerId, epoch, coordinatorEpoch);
    }

    /// <summary>
    /// Kafka's collectAbortedTransactions: the aborted transactions overlapping [<paramref name="fetchOffset"/>,
    /// <paramref name="upperBound"/>), from the segment holding the fetch offset onwards, stopping at the first segment
    /// whose index shows no later segment can hold one.
    /// </summary>
    public IReadOnlyList<AbortedTransaction> CollectAbortedTransactions(long fetchOffset, long upperBound)
    {
        var found = new List<AbortedTransaction>();
        var segments = Volatile.Read(ref _segments);
        for (var i = Math.Max(0, FloorSegment(segments, fetchOffset)); i < segments.Length; i++)
        {
            if (segments[i].TxnIndex.Collect(fetchOffset, upperBound, found))
                break;
        }
        return found;
    }

    /// <summary>
    /// Follows the producers of appended batches (under the lock, after the bytes are in <paramref name="segment"/>):
    /// each producer batch updates its producer's state, a transactional data batch opens its producer's transaction,
    /// a commit or abort marker ends it, and an aborted transaction goes to the segment's transaction index with the
    /// last stable offset of that moment.
    /// </summary>
    private void TrackProducersLocked(ReadOnlySpan<byte> batches, LogSegment segment, long nextOffset)
    {
        while (RecordBatchHeader.TryRead(batches, out var header) && header.TotalSize <= batches.Length && header.TotalSize > 0)
        {
            if (header.ProducerId >= 0)
            {
                Track(batches[..header.TotalSize], new BatchInfo(0, header), segment, indexAborts: true);
            }
            batches = batches[header.TotalSize..];
        }
        _producers.MapEndOffset = nextOffset;
    }

    /// <summary>One producer batch (<paramref name="bytes"/> are needed only for a control batch, to read its marker).</summary>
    private void Track(ReadOnlySpan<byte> bytes, in BatchInfo batch, LogSegment segment, bool indexAborts)
    {
        if ((batch.Attributes & ControlMask) == 0)
        {
            _producers.OnDataBatch(batch.ProducerId, batch.ProducerEpoch, batch.BaseSequence, (int)(batch.LastOffset - batch.BaseOffset), batch.BaseOffset,
                batch.MaxTimestamp, (batch.Attributes & TransactionalMask) != 0);
            return;
        }
        if (!ControlRecord.TryReadBatchMarker(bytes, out var commit, out var coordinatorEpoch))
            return;
        var completed = _producers.OnMarker(batch.ProducerId, batch.ProducerEpoch, coordinatorEpoch, commit, batch.BaseOffset, batch.MaxTimestamp);
        if (completed is { Aborted: true } aborted && indexAborts)
        {
            segment.TxnIndex.Append(new AbortedTransaction(aborted.ProducerId, aborted.FirstOffset, aborted.LastOffset,
                _producers.LastStableOffsetAfter(aborted)));
        }
    }

    private const short TransactionalMask = 0x10, ControlMask = 0x20;
}
