namespace Runnel.Raft.Log;

/// <summary>
/// The replicated log of one node: record batches (Kafka format, magic 2) whose partitionLeaderEpoch names the
/// leader that wrote them, plus snapshots that replace a committed prefix. Offsets are dense from
/// <see cref="StartOffset"/> to <see cref="EndOffset"/>. Nothing is durable until <see cref="Flush"/> returns; a crash
/// may lose any unflushed append or truncation (the simulation's disk does exactly that).
/// </summary>
public interface IRaftLog
{
    /// <summary>
    /// The first offset held as batches: 0, or the end offset of the oldest snapshot kept. Batches between it and the
    /// newest snapshot stay, so a follower that just installed an older snapshot can go on from the log.
    /// </summary>
    long StartOffset { get; }

    /// <summary>The epoch of the last offset before <see cref="StartOffset"/> (of the snapshot there), or 0.</summary>
    int StartEpoch { get; }

    /// <summary>The offset the next batch gets (LEO).</summary>
    long EndOffset { get; }

    /// <summary>Every offset below this survives a crash.</summary>
    long FlushedOffset { get; }

    /// <summary>The epoch of the last batch, or of the snapshot when no batch follows it, or 0 for an empty log.</summary>
    int LastEpoch { get; }

    /// <summary>The newest snapshot, if any. Its end offset is at or below <see cref="EndOffset"/>.</summary>
    OffsetAndEpoch? LatestSnapshot { get; }

    /// <summary>
    /// Where <paramref name="epoch"/> ends in this log: the largest epoch at or below it that the log knows and the
    /// offset where the next epoch starts (or the end offset). (-1, -1) when the log holds nothing that old.
    /// </summary>
    OffsetAndEpoch EndOffsetForEpoch(int epoch);

    /// <summary>Appends whole batches whose base offsets continue from <see cref="EndOffset"/>.</summary>
    void Append(ReadOnlySpan<byte> batches);

    /// <summary>Whole batches from <paramref name="offset"/> (a batch boundary), at most <paramref name="maxBytes"/> unless the first batch is larger.</summary>
    byte[] Read(long offset, int maxBytes);

    /// <summary>Removes every offset at or above <paramref name="offset"/>.</summary>
    void TruncateTo(long offset);

    void Flush();

    /// <summary>
    /// Stores a snapshot durably (atomically: all of it or nothing). A few older snapshots are kept; batches below the
    /// oldest kept one are dropped.
    /// </summary>
    void WriteSnapshot(OffsetAndEpoch id, ReadOnlySpan<byte> data);

    /// <summary>Installs a snapshot fetched from the leader: stores it, then empties the log to start at its end.</summary>
    void InstallSnapshot(OffsetAndEpoch id, ReadOnlySpan<byte> data);

    /// <summary>The size in bytes of the snapshot, or -1 when this log does not hold it.</summary>
    long SnapshotSize(OffsetAndEpoch id);

    /// <summary>Copies bytes of the snapshot from <paramref name="position"/>; returns how many.</summary>
    int ReadSnapshot(OffsetAndEpoch id, long position, Span<byte> destination);
}
