namespace Runnel.Client.Producer;

/// <summary>
/// Collects records into per-partition batches and hands the sender whatever is due: full batches at once, others
/// when they have lingered long enough (or at flush and close). It also picks partitions, because the sticky choice
/// for unkeyed records moves on exactly when a batch closes. All state sits behind one lock; the clock is
/// injected so linger is testable without waiting.
/// </summary>
internal sealed class RecordAccumulator(ProducerOptions options, TimeProvider time, StickyPartitions sticky)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TopicPartition, (ProducerBatch Batch, int PartitionCount)> _open = [];
    private readonly LinkedList<ProducerBatch> _ready = new();

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Chooses the partition: explicit, else murmur2 of the key, else the topic's sticky partition.</summary>
    public int ChoosePartition(ProducerRecord record, int partitionCount)
    {
        if (record.Partition is { } explicitPartition)
        {
            return explicitPartition >= 0 && explicitPartition < partitionCount
                ? explicitPartition
                : throw new RunnelException(Protocol.ErrorCode.UnknownTopicOrPartition,
                    $"Topic '{record.Topic}' has no partition {explicitPartition} (it has {partitionCount}).");
        }
        if (record.Key is not null)
            return KafkaPartitioner.PartitionForKey(record.Key, partitionCount);
        lock (_lock)
            return sticky.Next(record.Topic, partitionCount);
    }

    /// <summary>Appends a record; returns true when the sender has new work (a batch became ready or a new one opened).</summary>
    public bool Append(TopicPartition partition, int partitionCount, ProducerRecord record, TaskCompletionSource<DeliveryResult> completion)
    {
        var now = Now;
        var timestamp = record.Timestamp ?? now;
        lock (_lock)
        {
            if (_open.TryGetValue(partition, out var open))
            {
                if (open.Batch.TryAppend(record, timestamp, completion, options.BatchSize))
                    return false;
                CloseLocked(partition);
            }
            var batch = new ProducerBatch(partition, options.Compression, now, now + (long)options.DeliveryTimeout.TotalMilliseconds);
            batch.TryAppend(record, timestamp, completion, options.BatchSize);
            _open[partition] = (batch, partitionCount);
            if (ProducerBatch.EstimateSize(record) >= options.BatchSize)
                CloseLocked(partition);
            return true;
        }
    }

    /// <summary>
    /// Takes the batches due now, in the order they closed: every ready batch, plus open ones that have lingered
    /// long enough, or all open ones when <paramref name="all"/> (flush, close).
    /// </summary>
    public List<ProducerBatch> Drain(bool all)
    {
        var now = Now;
        var linger = (long)options.Linger.TotalMilliseconds;
        lock (_lock)
        {
            foreach (var (partition, open) in _open.ToList())
            {
                if (all || now - open.Batch.CreatedAt >= linger)
                    CloseLocked(partition);
            }
            var due = _ready.ToList();
            _ready.Clear();
            return due;
        }
    }

    /// <summary>How long until the oldest open batch has lingered enough; null when nothing is open.</summary>
    public TimeSpan? TimeUntilNextDue()
    {
        var now = Now;
        lock (_lock)
        {
            if (_ready.Count > 0)
                return TimeSpan.Zero;
            if (_open.Count == 0)
                return null;
            var due = _open.Values.Min(o => o.Batch.CreatedAt) + (long)options.Linger.TotalMilliseconds;
            return TimeSpan.FromMilliseconds(Math.Max(0, due - now));
        }
    }

    /// <summary>Puts batches to retry back at the front, ahead of newer batches, in their original order.</summary>
    public void Requeue(IReadOnlyList<ProducerBatch> batches)
    {
        lock (_lock)
        {
            for (var i = batches.Count - 1; i >= 0; i--)
                _ready.AddFirst(batches[i]);
        }
    }

    public bool IsEmpty
    {
        get
        {
            lock (_lock)
                return _open.Count == 0 && _ready.Count == 0;
        }
    }

    /// <summary>The completion of every batch held here now (open or waiting to be sent).</summary>
    public List<Task> PendingBatches()
    {
        lock (_lock)
            return [.. _open.Values.Select(o => o.Batch.Done), .. _ready.Select(b => b.Done)];
    }

    private void CloseLocked(TopicPartition partition)
    {
        var (batch, partitionCount) = _open[partition];
        _open.Remove(partition);
        sticky.BatchClosed(partition.Topic, partition.Partition, partitionCount);
        if (batch.Close())
            _ready.AddLast(batch);
        else
            batch.Dispose();
    }
}
