namespace Runnel.Storage.Producers;

/// <summary>
/// One producer's state on a partition (Kafka's ProducerStateEntry): its epoch, the coordinator epoch of its last
/// marker, the timestamp of its last append, the first offset of its open transaction, and its newest batches (at
/// most <see cref="CachedBatches"/>, newest last), so a retried batch is recognised.
/// </summary>
internal sealed class ProducerStateEntry(long producerId, short epoch)
{
    /// <summary>Kafka's NUM_BATCHES_TO_RETAIN: clients have at most five requests in flight.</summary>
    public const int CachedBatches = 5;

    public long ProducerId { get; } = producerId;

    public short Epoch { get; private set; } = epoch;

    /// <summary>The coordinator epoch of the producer's last marker here; -1 before any.</summary>
    public int CoordinatorEpoch { get; set; } = -1;

    public long LastTimestamp { get; set; } = -1;

    /// <summary>The first offset of the producer's open transaction here; -1 when none is open.</summary>
    public long CurrentTxnFirstOffset { get; set; } = -1;

    /// <summary>Newest last; at most <see cref="CachedBatches"/>.</summary>
    public List<ProducerBatchMetadata> Batches { get; } = [];

    /// <summary>A newer epoch forgets the batches (not the coordinator epoch), as Kafka's maybeUpdateProducerEpoch.</summary>
    public void MaybeUpdateEpoch(short epoch)
    {
        if (epoch <= Epoch)
            return;
        Epoch = epoch;
        Batches.Clear();
    }

    public void AddBatch(in ProducerBatchMetadata batch)
    {
        if (Batches.Count == CachedBatches)
            Batches.RemoveAt(0);
        Batches.Add(batch);
    }

    public ProducerSnapshotEntry ToSnapshot()
    {
        var last = Batches.Count > 0 ? Batches[^1] : new ProducerBatchMetadata(-1, -1, 0, LastTimestamp);
        return new ProducerSnapshotEntry(ProducerId, Epoch, last.LastSequence, last.LastOffset, last.OffsetDelta, LastTimestamp, CoordinatorEpoch,
            CurrentTxnFirstOffset);
    }

    public static ProducerStateEntry FromSnapshot(in ProducerSnapshotEntry snapshot)
    {
        var entry = new ProducerStateEntry(snapshot.ProducerId, snapshot.Epoch)
        {
            CoordinatorEpoch = snapshot.CoordinatorEpoch,
            LastTimestamp = snapshot.Timestamp,
            CurrentTxnFirstOffset = snapshot.CurrentTxnFirstOffset,
        };
        if (snapshot.LastOffset >= 0)
            entry.Batches.Add(new ProducerBatchMetadata(snapshot.LastSequence, snapshot.LastOffset, snapshot.OffsetDelta, snapshot.Timestamp));
        return entry;
    }
}
