using System.Buffers.Binary;
using Runnel.Protocol.Records;
using Runnel.Storage.Segments;
using Runnel.Storage.Transactions;

namespace Runnel.Storage;

public sealed partial class PartitionLog
{
    private const short TransactionalMask = 0x10, ControlMask = 0x20;

    private readonly TransactionTracker _transactions = new();

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
            var firstUnstable = _transactions.FirstUnstableOffset;
            return firstUnstable < 0 ? highWatermark : Math.Min(Math.Max(firstUnstable, LogStartOffset), highWatermark);
        }
    }

    /// <summary>The first offset of <paramref name="producerId"/>'s open transaction on this partition, or -1 when none is open.</summary>
    public long OpenTransactionStart(long producerId)
    {
        lock (_lock)
            return _transactions.OpenTransactionStart(producerId);
    }

    /// <summary>Each producer with a transaction open on this partition, with the transaction's first offset, oldest first.</summary>
    public IReadOnlyList<(long ProducerId, long FirstOffset)> OpenTransactions()
    {
        lock (_lock)
            return _transactions.OpenTransactions();
    }

    /// <summary>How many transactions are open on this partition.</summary>
    public int OpenTransactionCount
    {
        get
        {
            lock (_lock)
                return _transactions.OpenCount;
        }
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
    /// Follows the transactions of appended batches (under the lock, after the bytes are in <paramref name="segment"/>):
    /// a transactional data batch opens its producer's transaction, a commit or abort marker ends it, and an aborted
    /// transaction goes to the segment's transaction index with the last stable offset of that moment.
    /// </summary>
    private void TrackTransactionsLocked(ReadOnlySpan<byte> batches, LogSegment segment)
    {
        for (var pos = 0; pos < batches.Length;)
        {
            var batch = batches[pos..];
            var size = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.BatchLengthOffset..]) + RecordBatchHeader.LogOverhead;
            var producerId = BinaryPrimitives.ReadInt64BigEndian(batch[RecordBatchHeader.ProducerIdOffset..]);
            if (producerId >= 0)
            {
                var attributes = BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..]);
                Track(batch[..size], producerId, attributes, BinaryPrimitives.ReadInt64BigEndian(batch), segment, indexAborts: true);
            }
            pos += size;
        }
    }

    private void Track(ReadOnlySpan<byte> batch, long producerId, short attributes, long baseOffset, LogSegment segment, bool indexAborts)
    {
        if ((attributes & ControlMask) == 0)
        {
            _transactions.OnDataBatch(producerId, (attributes & TransactionalMask) != 0, baseOffset);
            return;
        }
        if (!ControlRecord.TryReadBatchMarker(batch, out var commit, out _))
            return;
        if (_transactions.OnMarker(producerId, commit, baseOffset) is { Aborted: true } aborted && indexAborts)
        {
            segment.TxnIndex.Append(new AbortedTransaction(aborted.ProducerId, aborted.FirstOffset, aborted.LastOffset,
                _transactions.LastStableOffsetAfter(aborted)));
        }
    }

    /// <summary>
    /// Rebuilds the transaction state from the log (at open, and after a truncation): every segment's batch headers
    /// are read (and the first record of each control batch); segments whose transaction index must be rebuilt
    /// (recovered, or failing its checks) get their aborted transactions again. Kafka loads the same state from
    /// producer snapshots instead.
    /// </summary>
    private void ReplayTransactionsLocked()
    {
        _transactions.Clear();
        byte[] control = [];
        foreach (var segment in _segments)
        {
            var rebuild = segment.TxnIndexNeedsRebuild;
            if (rebuild)
                segment.TxnIndex.Reset();
            var size = segment.Size;
            var position = 0;
            var next = segment.BaseOffset;
            using (var scanner = new SegmentScanner(segment.LogFile, size))
            {
                while (scanner.TryRead(position, next, verify: false, out var info))
                {
                    if (info.ProducerId >= 0)
                    {
                        ReadOnlySpan<byte> bytes = default;
                        if ((info.Attributes & ControlMask) != 0)
                        {
                            if (control.Length < info.Size)
                                control = new byte[info.Size];
                            segment.LogFile.Read(position, control.AsSpan(0, info.Size));
                            bytes = control.AsSpan(0, info.Size);
                        }
                        Track(bytes, info.ProducerId, info.Attributes, info.BaseOffset, segment, indexAborts: rebuild);
                    }
                    position += info.Size;
                    next = info.LastOffset + 1;
                }
            }
            segment.TxnIndexNeedsRebuild = false;
        }
        _transactions.OnHighWatermark(_highWatermark);
    }
}
