namespace Runnel.Storage.Transactions;

/// <summary>A producer's transaction on this partition that a commit or abort marker ended.</summary>
public readonly record struct CompletedTransaction(long ProducerId, long FirstOffset, long LastOffset, bool Aborted);

/// <summary>
/// The transactions of one partition log, as Kafka's ProducerStateManager tracks them: each producer's open
/// transaction (from its first transactional data batch to its marker), and completed ones whose marker is not yet
/// below the high watermark (Kafka's unreplicated transactions). The first unstable offset is the first offset of
/// the oldest of either; the last stable offset is bounded by it. Only the owning log changes it, under its lock.
/// </summary>
internal sealed class TransactionTracker
{
    private readonly Dictionary<long, long> _openByProducer = [];
    private readonly SortedDictionary<long, long> _ongoing = [];
    private readonly SortedDictionary<long, long> _unreplicated = [];
    private long _firstUnstable = -1;

    /// <summary>The first offset of the oldest transaction not yet both decided and replicated, or -1.</summary>
    public long FirstUnstableOffset => Volatile.Read(ref _firstUnstable);

    public int OpenCount => _ongoing.Count;

    /// <summary>The first offset of <paramref name="producerId"/>'s open transaction, or -1.</summary>
    public long OpenTransactionStart(long producerId) => _openByProducer.GetValueOrDefault(producerId, -1);

    /// <summary>Each producer with a transaction open, with its first offset, oldest first.</summary>
    public IReadOnlyList<(long ProducerId, long FirstOffset)> OpenTransactions() => [.. _ongoing.Select(o => (o.Value, o.Key))];

    /// <summary>
    /// A data batch of <paramref name="producerId"/>: a transactional one opens its transaction at
    /// <paramref name="baseOffset"/> unless one is open already (Kafka's appendDataBatch).
    /// </summary>
    public void OnDataBatch(long producerId, bool transactional, long baseOffset)
    {
        if (!transactional || _openByProducer.ContainsKey(producerId))
            return;
        _openByProducer[producerId] = baseOffset;
        _ongoing[baseOffset] = producerId;
        Refresh();
    }

    /// <summary>
    /// A commit or abort marker of <paramref name="producerId"/> at <paramref name="markerOffset"/>: the open
    /// transaction it ends, or null when the producer had none on this partition (an empty transaction, which Kafka
    /// neither indexes nor lets move the last stable offset). The transaction stays unstable until
    /// <see cref="OnHighWatermark"/> passes the marker.
    /// </summary>
    public CompletedTransaction? OnMarker(long producerId, bool commit, long markerOffset)
    {
        if (!_openByProducer.Remove(producerId, out var first))
            return null;
        _ongoing.Remove(first);
        _unreplicated[first] = markerOffset;
        Refresh();
        return new CompletedTransaction(producerId, first, markerOffset, !commit);
    }

    /// <summary>
    /// The last stable offset recorded with an aborted transaction's index entry (Kafka's lastStableOffset of a
    /// completed transaction): the first offset of the oldest transaction of another producer still open, or one
    /// past the marker.
    /// </summary>
    public long LastStableOffsetAfter(in CompletedTransaction completed)
    {
        foreach (var (first, producerId) in _ongoing)
        {
            if (producerId != completed.ProducerId)
                return first;
        }
        return completed.LastOffset + 1;
    }

    /// <summary>Completed transactions whose marker is below <paramref name="highWatermark"/> become stable.</summary>
    public void OnHighWatermark(long highWatermark)
    {
        if (_unreplicated.Count == 0)
            return;
        foreach (var (first, last) in _unreplicated.ToList())
        {
            if (last < highWatermark)
                _unreplicated.Remove(first);
        }
        Refresh();
    }

    public void Clear()
    {
        _openByProducer.Clear();
        _ongoing.Clear();
        _unreplicated.Clear();
        Refresh();
    }

    private void Refresh()
    {
        var ongoing = _ongoing.Count > 0 ? _ongoing.First().Key : long.MaxValue;
        var unreplicated = _unreplicated.Count > 0 ? _unreplicated.First().Key : long.MaxValue;
        var first = Math.Min(ongoing, unreplicated);
        Volatile.Write(ref _firstUnstable, first == long.MaxValue ? -1 : first);
    }
}
