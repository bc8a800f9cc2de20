namespace Runnel.Broker.Groups;

/// <summary>
/// A group's transactional offsets that wait for their transaction's end, by producer id (Kafka's
/// pendingTransactionalOffsets together with openTransactionsByGroup). A producer's transaction stays open here from its
/// first TxnOffsetCommit until its commit or abort marker, even when tombstones removed all its offsets meanwhile.
/// Guarded by the group's lock.
/// </summary>
internal sealed class PendingTransactionalOffsets
{
    private readonly Dictionary<long, GroupOffsets> _byProducer = [];

    /// <summary>Whether any producer has an open transaction with offsets for this group (Kafka's openTransactionsByGroup).</summary>
    public bool HasOpenTransactions => _byProducer.Count > 0;

    /// <summary>Whether an open transaction holds any offset for this group.</summary>
    public bool HasOffsets => _byProducer.Values.Any(o => o.Count > 0);

    /// <summary>Kafka's hasPendingTransactionalOffsets: whether an open transaction holds an offset for the partition.</summary>
    public bool Has(string topic, int partition) => _byProducer.Values.Any(o => o.Get(topic, partition) is not null);

    /// <summary>The offset <paramref name="producerId"/>'s open transaction holds for the partition, if any.</summary>
    public CommittedOffset? Get(long producerId, string topic, int partition) => _byProducer.GetValueOrDefault(producerId)?.Get(topic, partition);

    /// <summary>The partitions any open transaction holds an offset for, each once, ordered by topic then partition.</summary>
    public IEnumerable<(string Topic, int Partition)> Partitions
        => _byProducer.Values.SelectMany(o => o.All).Select(o => (o.Topic, o.Partition)).Distinct()
            .OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition);

    /// <summary>Records an offset of <paramref name="producerId"/>'s transaction; a later one for the partition replaces it.</summary>
    public void Add(long producerId, string topic, int partition, CommittedOffset offset)
    {
        if (!_byProducer.TryGetValue(producerId, out var offsets))
            _byProducer[producerId] = offsets = new GroupOffsets();
        offsets.Set(topic, partition, offset);
    }

    /// <summary>An offset tombstone: the partition's offset leaves every open transaction, which stay open.</summary>
    public void Remove(string topic, int partition)
    {
        foreach (var offsets in _byProducer.Values)
            offsets.Remove(topic, partition);
    }

    /// <summary>Ends <paramref name="producerId"/>'s transaction: returns the offsets it held (null when it had none open).</summary>
    public GroupOffsets? End(long producerId) => _byProducer.Remove(producerId, out var offsets) ? offsets : null;

    /// <summary>Takes over the open transactions of <paramref name="loaded"/> (a replay's), which must not be used afterwards.</summary>
    public void TakeOver(PendingTransactionalOffsets loaded)
    {
        foreach (var (producerId, offsets) in loaded._byProducer)
            _byProducer[producerId] = offsets;
        loaded._byProducer.Clear();
    }

    public void Clear() => _byProducer.Clear();
}
