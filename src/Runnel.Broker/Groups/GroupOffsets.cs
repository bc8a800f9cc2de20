namespace Runnel.Broker.Groups;

/// <summary>
/// A committed offset as Kafka stores it: the offset to resume from, the leader epoch of the record before it,
/// the client's metadata string, when it was committed and (only for OffsetCommit v2-4 with a retention time) when
/// it expires; -1 means no explicit expiry. <see cref="RecordOffset"/> is where its record is in __consumer_offsets
/// (Kafka's OffsetAndMetadata.recordOffset), which orders a transaction's offsets against plain commits.
/// </summary>
internal sealed record CommittedOffset(long Offset, int LeaderEpoch, string Metadata, long CommitTimestampMs, long ExpireTimestampMs = -1)
{
    /// <summary>The offset of the record that stored it in __consumer_offsets; -1 when not known.</summary>
    public long RecordOffset { get; init; } = -1;

    /// <summary>Kafka's rule: an explicit expiry wins; otherwise retention counts from <paramref name="baseTimestampMs"/>.</summary>
    public bool IsExpired(long nowMs, long baseTimestampMs, long retentionMs)
        => ExpireTimestampMs >= 0 ? nowMs >= ExpireTimestampMs : nowMs >= baseTimestampMs + retentionMs;
}

/// <summary>A group's committed offsets by topic and partition; guarded by the group's lock.</summary>
internal sealed class GroupOffsets
{
    private readonly Dictionary<(string Topic, int Partition), CommittedOffset> _offsets = [];

    public int Count => _offsets.Count;

    public CommittedOffset? Get(string topic, int partition) => _offsets.GetValueOrDefault((topic, partition));

    public void Set(string topic, int partition, CommittedOffset offset) => _offsets[(topic, partition)] = offset;

    public bool Remove(string topic, int partition) => _offsets.Remove((topic, partition));

    public void Clear() => _offsets.Clear();

    /// <summary>
    /// Kafka's commit of a transaction's offsets (replayEndTransactionMarker): each of <paramref name="transaction"/>
    /// becomes the committed offset of its partition unless the committed one was stored later in the log (its record
    /// offset is higher), so the most recent of plain and transactional commits wins.
    /// </summary>
    public void Commit(GroupOffsets transaction)
    {
        foreach (var (topic, partition, offset) in transaction.All)
        {
            if (Get(topic, partition) is not { } existing || offset.RecordOffset > existing.RecordOffset)
                Set(topic, partition, offset);
        }
    }

    /// <summary>All offsets ordered by topic then partition, so listings are stable.</summary>
    public IEnumerable<(string Topic, int Partition, CommittedOffset Offset)> All
        => _offsets.OrderBy(e => e.Key.Topic, StringComparer.Ordinal).ThenBy(e => e.Key.Partition).Select(e => (e.Key.Topic, e.Key.Partition, e.Value));
}
