namespace Runnel.Storage.Epochs;

/// <summary>A leader epoch and the first offset written in it.</summary>
public readonly record struct EpochEntry(int Epoch, long StartOffset);

/// <summary>
/// Kafka's LeaderEpochFileCache: for each leader epoch seen in a partition's log, the first offset written in it.
/// Entries rise strictly in both epoch and start offset. A follower uses it to find where its log diverges from the
/// leader's (Fetch's DivergingEpoch, OffsetForLeaderEpoch), so it is kept in step with the log: appends add epochs,
/// truncation removes entries at or past the new end, and a higher log start offset trims the front. Every change is
/// written to <c>leader-epoch-checkpoint</c> before it is relied on. Not thread-safe: the owning log calls it under
/// its lock; readers use <see cref="Snapshot"/>.
/// </summary>
public sealed class LeaderEpochCache
{
    /// <summary>Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET.</summary>
    public const int UndefinedEpoch = -1;

    public const long UndefinedOffset = -1;

    private readonly LeaderEpochCheckpointFile? _file;
    private readonly StorageLog? _log;
    private EpochEntry[] _entries;

    internal LeaderEpochCache(LeaderEpochCheckpointFile? file, IEnumerable<EpochEntry> entries, StorageLog? log = null)
    {
        _file = file;
        _log = log;
        _entries = [.. entries];
    }

    /// <summary>The entries as of now, oldest first; safe from any thread.</summary>
    public IReadOnlyList<EpochEntry> Snapshot => Volatile.Read(ref _entries);

    /// <summary>The newest epoch, or null when the log has none recorded.</summary>
    public EpochEntry? Latest => Volatile.Read(ref _entries) is { Length: > 0 } entries ? entries[^1] : null;

    /// <summary>
    /// Records that <paramref name="epoch"/> starts at <paramref name="startOffset"/>. A repeat of the newest epoch at a
    /// later offset changes nothing; otherwise entries that would break the ordering (an epoch at or above, or a start
    /// at or past, the new one) are dropped first, as Kafka's assign does. Negative values are ignored.
    /// </summary>
    /// <returns>True when the cache changed (and was written).</returns>
    public bool Assign(int epoch, long startOffset)
    {
        if (epoch < 0 || startOffset < 0)
            return false;
        var entries = _entries;
        if (entries.Length > 0 && entries[^1].Epoch == epoch && entries[^1].StartOffset <= startOffset)
            return false;
        Publish([.. entries.Where(e => e.Epoch < epoch && e.StartOffset < startOffset), new EpochEntry(epoch, startOffset)]);
        return true;
    }

    /// <summary>
    /// Kafka's endOffsetFor: the largest epoch at most <paramref name="requested"/> and the offset where the next epoch
    /// began (the log end when <paramref name="requested"/> is the newest). (-1, -1) for an undefined or a larger
    /// epoch than any known; a smaller one than any known answers with itself and the first entry's start.
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetFor(int requested, long logEndOffset)
    {
        var entries = Volatile.Read(ref _entries);
        if (requested == UndefinedEpoch || entries.Length == 0)
            return (UndefinedEpoch, UndefinedOffset);
        if (entries[^1].Epoch == requested)
            return (requested, logEndOffset);
        var higher = Array.FindIndex(entries, e => e.Epoch > requested);
        if (higher < 0)
            return (UndefinedEpoch, UndefinedOffset);
        return higher == 0 ? (requested, entries[0].StartOffset) : (entries[higher - 1].Epoch, entries[higher].StartOffset);
    }

    /// <summary>Drops every epoch that starts at or past <paramref name="endOffset"/> (the log was truncated there).</summary>
    public void TruncateFromEnd(long endOffset)
    {
        var entries = _entries;
        if (endOffset < 0 || entries.Length == 0 || entries[^1].StartOffset < endOffset)
            return;
        Publish([.. entries.Where(e => e.StartOffset < endOffset)]);
    }

    /// <summary>
    /// The log now starts at <paramref name="startOffset"/>: epochs wholly below it go, and the one it falls in starts
    /// there instead.
    /// </summary>
    public void TruncateFromStart(long startOffset)
    {
        var entries = _entries;
        var atOrBelow = entries.Count(e => e.StartOffset <= startOffset);
        if (atOrBelow == 0 || (atOrBelow == 1 && entries[0].StartOffset == startOffset))
            return;
        Publish([entries[atOrBelow - 1] with { StartOffset = startOffset }, .. entries.Skip(atOrBelow)]);
    }

    /// <summary>Forgets everything (the log was emptied and restarted).</summary>
    public void Clear()
    {
        if (_entries.Length > 0)
            Publish([]);
    }

    /// <summary>Writes the checkpoint as the cache stands (after a rebuild).</summary>
    internal void Persist() => Publish(_entries);

    /// <summary>
    /// Takes effect in memory at once; the file follows. When the file cannot be written it is removed instead, so the
    /// next start rebuilds the cache from the log rather than trust a stale one.
    /// </summary>
    private void Publish(EpochEntry[] entries)
    {
        Volatile.Write(ref _entries, entries);
        if (_file is null)
            return;
        try
        {
            _file.Write(entries);
        }
        catch (IOException e)
        {
            _log?.Invoke(StorageLogLevel.Warning, $"{_file.Path} could not be written ({e.Message}); it is removed and will be rebuilt from the log.");
            try
            {
                _file.Delete();
            }
            catch (IOException)
            {
                // Nothing more to do: a stale file whose newest entries are missing is the case this guards against.
            }
        }
    }
}
