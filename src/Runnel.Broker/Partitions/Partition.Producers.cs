using Runnel.Broker.Producers;
using Runnel.Protocol.Records;
using Runnel.Storage;

namespace Runnel.Broker.Partitions;

/// <summary>
/// A producer as DescribeProducers reports it (Kafka's UnifiedLog.activeProducers): epoch, last sequence, last
/// timestamp, the coordinator epoch of its last marker (-1 before any) and the first offset of its open transaction
/// here (-1 when none).
/// </summary>
internal readonly record struct ActiveProducer(long ProducerId, short Epoch, int LastSequence, long LastTimestamp, int CoordinatorEpoch, long CurrentTxnStartOffset);

/// <summary>The producers of this replica, for DescribeProducers.</summary>
internal sealed partial class Partition
{
    /// <summary>
    /// Every producer this replica's producer state knows (leader or follower, as Kafka answers from any replica's log),
    /// by producer id, with its open transaction's first offset. The last timestamp is the max timestamp of the
    /// producer's newest data batch in its epoch, read from the log (-1 when it has none here, or when retention removed
    /// it). A producer with a transaction open that the producer state does not hold (its batches older than what
    /// start-up replays) is reported from its transaction's first batch: that batch's epoch, last sequence and max
    /// timestamp, coordinator epoch -1.
    /// </summary>
    public IReadOnlyList<ActiveProducer> ActiveProducers()
    {
        IReadOnlyList<ProducerEntryView> entries;
        IReadOnlyList<(long ProducerId, long FirstOffset)> open;
        lock (_lock)
        {
            entries = ProducersLocked.Entries();
            open = Log.OpenTransactions();
        }
        var openByProducer = open.ToDictionary(o => o.ProducerId, o => o.FirstOffset);
        var producers = new List<ActiveProducer>(entries.Count);
        foreach (var entry in entries)
        {
            var timestamp = entry.LastBatchOffset < 0 ? -1 : BatchHeaderAt(entry.LastBatchOffset)?.MaxTimestamp ?? -1;
            producers.Add(new ActiveProducer(entry.ProducerId, entry.Epoch, entry.LastSequence, timestamp, entry.CoordinatorEpoch,
                openByProducer.GetValueOrDefault(entry.ProducerId, -1)));
            openByProducer.Remove(entry.ProducerId);
        }
        foreach (var (producerId, firstOffset) in openByProducer)
        {
            var first = BatchHeaderAt(firstOffset);
            producers.Add(new ActiveProducer(producerId, first?.ProducerEpoch ?? -1, first?.LastSequence ?? -1, first?.MaxTimestamp ?? -1, -1, firstOffset));
        }
        producers.Sort((a, b) => a.ProducerId.CompareTo(b.ProducerId));
        return producers;
    }

    /// <summary>The header of the batch holding <paramref name="offset"/>, or null when the log no longer (or does not yet) hold it.</summary>
    private RecordBatchHeader? BatchHeaderAt(long offset)
    {
        try
        {
            using var read = Log.Read(offset, RecordBatchHeader.Size, minOneBatch: true);
            if (read.IsEmpty || read.Length < RecordBatchHeader.Size || read.Region.Handle is not { } handle)
                return null;
            Span<byte> bytes = stackalloc byte[RecordBatchHeader.Size];
            if (RandomAccess.Read(handle, bytes, read.Region.Position) < bytes.Length)
                return null;
            return RecordBatchHeader.TryRead(bytes, out var header) ? header : null;
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.OffsetOutOfRange)
        {
            return null;
        }
    }
}
