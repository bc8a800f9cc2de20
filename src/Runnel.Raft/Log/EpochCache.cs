namespace Runnel.Raft.Log;

/// <summary>
/// Where each leader epoch starts in a log (Kafka's leader-epoch cache), rebuilt from the batches' epochs. It answers
/// the question a fetch asks: where does my last epoch end in the leader's log? Entries are strictly increasing in
/// both epoch and start offset.
/// </summary>
public sealed class EpochCache
{
    private readonly List<(int Epoch, long Start)> _entries = [];

    public int Count => _entries.Count;

    /// <summary>The epoch of the newest entry, or -1 when empty.</summary>
    public int LastEpoch => _entries.Count == 0 ? -1 : _entries[^1].Epoch;

    /// <summary>Records that a batch of <paramref name="epoch"/> begins at <paramref name="offset"/>.</summary>
    /// <exception cref="InvalidDataException">The epoch goes backwards: the batches are not one leader history.</exception>
    public void Assign(int epoch, long offset)
    {
        if (_entries.Count > 0)
        {
            var last = _entries[^1];
            if (epoch == last.Epoch)
                return;
            if (epoch < last.Epoch || offset < last.Start)
                throw new InvalidDataException($"Epoch {epoch} at offset {offset} follows epoch {last.Epoch} at {last.Start}.");
        }
        _entries.Add((epoch, offset));
    }

    /// <summary>Forgets epochs that start at or after <paramref name="offset"/> (log truncation).</summary>
    public void TruncateFrom(long offset)
    {
        while (_entries.Count > 0 && _entries[^1].Start >= offset)
            _entries.RemoveAt(_entries.Count - 1);
    }

    /// <summary>Forgets what lies below <paramref name="start"/> (a snapshot replaced it), keeping the epoch in force there.</summary>
    public void TrimBefore(long start)
    {
        while (_entries.Count > 1 && _entries[1].Start <= start)
            _entries.RemoveAt(0);
        if (_entries.Count > 0 && _entries[0].Start < start)
            _entries[0] = (_entries[0].Epoch, start);
    }

    public void Clear() => _entries.Clear();

    /// <summary>The epoch of the batch holding <paramref name="offset"/>, or -1 when the offset is below every entry.</summary>
    public int EpochAt(long offset)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Start <= offset)
                return _entries[i].Epoch;
        }
        return -1;
    }

    /// <summary>
    /// The largest known epoch at or below <paramref name="epoch"/> and where it ends: the start of the next epoch,
    /// or <paramref name="endOffset"/> for the newest. A snapshot stands for the epochs it replaced.
    /// </summary>
    public OffsetAndEpoch EndOffsetFor(int epoch, long endOffset, OffsetAndEpoch? snapshot)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Epoch <= epoch)
                return new OffsetAndEpoch(i + 1 < _entries.Count ? _entries[i + 1].Start : endOffset, _entries[i].Epoch);
        }
        if (snapshot is { } s && s.Epoch <= epoch)
            return new OffsetAndEpoch(_entries.Count > 0 ? _entries[0].Start : endOffset, s.Epoch);
        return new OffsetAndEpoch(-1, -1);
    }
}
