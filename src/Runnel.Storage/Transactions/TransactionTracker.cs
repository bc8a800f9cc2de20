namespace Runnel.Storage.Transactions;

/// <summary>A producer's transaction on this partition that a commit or abort marker ended.</summary>
public readonly record struct CompletedTransaction(long ProducerId, long FirstOffset, long LastOffset, bool Aborted);

/// <summary>
/// The transactions of one partition log, as Kafka's ProducerStateManager tracks them: the open ones by first offset
/// (Kafka's ongoingTxns; which producer has which open is on its <see cref="Producers.ProducerStateEntry"/>), and
/// completed ones whose marker is not yet below the high watermark (Kafka's unreplicatedTxns). The first unstable
/// offset is the first offset of the oldest of either; the last stable offset is bounded by it. Only the owning log
/// changes it, under its lock.
/// </summary>
internal sealed class TransactionTracker
{
    private readonly SortedDictionary<long, long> _ongoing = [];
    private readonly SortedDictionary<long, long> _unreplicated = [];
    private long _firstUnstable = -1;

    /// <summary>The first offset of the oldest transaction not yet both decided and replicated, or -1.</summary>
    public long FirstUnstableOffset => Volatile.Read(ref _firstUnstable);

    public int OpenCount => _ongoing.Count;

    /// <summary><paramref name="producerId"/> opened a transaction at <paramref name="firstOffset"/>.</summary>
    public void OnStart(long producerId, long firstOffset)
    {
        _ongoing[firstOffset] = producerId;
        Refresh();
    }

    /// <summary>
    /// The transaction opened at <paramref name="firstOffset"/> ended with a marker at <paramref name="markerOffset"/>;
    /// it stays unstable until <see cref="OnHighWatermark"/> passes the marker.
    /// </summary>
    public void OnEnd(long firstOffset, long markerOffset)
    {
        _ongoing.Remove(firstOffset);
        _unreplicated[firstOffset] = markerOffset;
        Refresh();
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
