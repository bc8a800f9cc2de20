using Runnel.Client.Consumer;

namespace Runnel.Client.Admin;

/// <summary>
/// One partition of a group's lag: the committed offset (-1 none), the log end offset (-1 unknown), the lag in records
/// (null when either is unknown) and in seconds (0 when caught up; null when the next record's timestamp is unknown).
/// </summary>
public sealed record GroupPartitionLag(TopicPartition Partition, long Committed, long End, long? Lag, double? LagSeconds);

/// <summary>How a reset moves each partition's committed offset.</summary>
public enum OffsetResetTarget
{
    Earliest,
    Latest,
    Offset,
    Timestamp,
    ShiftBy,
}

/// <summary>
/// Consumer lag and offset resets over the Kafka protocol, so they work against any broker; <c>runnel group
/// describe|lag|reset-offsets</c> and the web console share them, so both show the same numbers.
/// </summary>
public sealed partial class RunnelAdminClient
{
    /// <summary>
    /// The lag of <paramref name="partitions"/> given the group's committed offsets: ListOffsets (latest, the high
    /// watermark) for the ends, and for a partition with lag a Fetch of the record at the committed offset, whose
    /// timestamp gives the lag in seconds (now − that timestamp; 0 when caught up).
    /// </summary>
    public async Task<List<GroupPartitionLag>> MeasureGroupLagAsync(IReadOnlyList<TopicPartition> partitions, IReadOnlyDictionary<TopicPartition, long> committed,
        CancellationToken cancellationToken = default)
    {
        var ends = partitions.Count == 0 ? new Dictionary<TopicPartition, ListedOffset>()
            : await ListOffsetsAsync(partitions, OffsetSpec.Latest, cancellationToken).ConfigureAwait(false);
        var rows = partitions.Select(p =>
        {
            var offset = committed.GetValueOrDefault(p, -1);
            var end = ends.TryGetValue(p, out var listed) ? listed.Offset : -1;
            long? lag = offset >= 0 && end >= 0 ? Math.Max(0, end - offset) : null;
            return new GroupPartitionLag(p, offset, end, lag, lag == 0 ? 0 : null);
        }).ToList();
        var behind = rows.Where(r => r.Lag > 0).ToList();
        if (behind.Count == 0)
            return rows;
        var timestamps = await NextRecordTimestampsAsync(behind.ToDictionary(r => r.Partition, r => r.Committed), cancellationToken).ConfigureAwait(false);
        var nowMs = _cluster.Time.GetUtcNow().ToUnixTimeMilliseconds();
        return [.. rows.Select(r => timestamps.TryGetValue(r.Partition, out var timestamp) ? r with { LagSeconds = Math.Max(0, nowMs - timestamp) / 1000.0 } : r)];
    }

    /// <summary>
    /// The offsets a reset would commit for <paramref name="partitions"/>, computed and not applied (a dry run):
    /// earliest, latest, an absolute offset, the first record at or after a time (the end when there is none), or a
    /// shift from the committed offset (from the end when none); targets outside the log are clamped to its bounds, as
    /// Kafka's kafka-consumer-groups does. Apply them with <see cref="AlterGroupOffsetsAsync"/>.
    /// </summary>
    public async Task<Dictionary<TopicPartition, long>> PlanGroupOffsetResetAsync(IReadOnlyList<TopicPartition> partitions, IReadOnlyDictionary<TopicPartition, long> committed,
        OffsetResetTarget target, long value = 0, CancellationToken cancellationToken = default)
    {
        var earliest = await ListOffsetsAsync(partitions, OffsetSpec.Earliest, cancellationToken).ConfigureAwait(false);
        var latest = await ListOffsetsAsync(partitions, OffsetSpec.Latest, cancellationToken).ConfigureAwait(false);
        var byTime = target == OffsetResetTarget.Timestamp
            ? await ListOffsetsAsync(partitions, OffsetSpec.ForTimestamp(value), cancellationToken).ConfigureAwait(false)
            : null;
        var offsets = new Dictionary<TopicPartition, long>();
        foreach (var partition in partitions)
        {
            var (low, high) = (earliest[partition].Offset, latest[partition].Offset);
            var offset = target switch
            {
                OffsetResetTarget.Earliest => low,
                OffsetResetTarget.Latest => high,
                OffsetResetTarget.Offset => value,
                OffsetResetTarget.Timestamp => byTime![partition].Offset is var found and >= 0 ? found : high,
                _ => (committed.GetValueOrDefault(partition, -1) is var current and >= 0 ? current : high) + value,
            };
            offsets[partition] = Math.Clamp(offset, low, high);
        }
        return offsets;
    }

    /// <summary>The timestamp of the first record at or after each given offset, read with a group-less consumer (2 s at most).</summary>
    private async Task<Dictionary<TopicPartition, long>> NextRecordTimestampsAsync(Dictionary<TopicPartition, long> offsets, CancellationToken cancellationToken)
    {
        var found = new Dictionary<TopicPartition, long>();
        var options = _cluster.Options;
        await using var consumer = new RunnelConsumer(new ConsumerOptions { BootstrapServers = options.BootstrapServers, Security = options.Security, ClientId = options.ClientId, EnableAutoCommit = false });
        consumer.Assign(offsets.Keys);
        foreach (var (partition, offset) in offsets)
            consumer.Seek(partition, offset);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            while (found.Count < offsets.Count)
            {
                foreach (var record in await consumer.PollAsync(TimeSpan.FromMilliseconds(500), deadline.Token).ConfigureAwait(false))
                {
                    if (record.Offset >= offsets[record.TopicPartition])
                        found.TryAdd(record.TopicPartition, record.Timestamp);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Some partitions gave nothing in time (records deleted or aborted): their LAG-SECONDS stays unknown.
        }
        return found;
    }
}
