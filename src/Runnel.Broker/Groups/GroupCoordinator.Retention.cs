using Microsoft.Extensions.Logging;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Groups;

/// <summary>Offset expiry (offsets.retention.minutes) for the groups of the partitions loaded here.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// Kafka's offset expiry: offsets of a group without members expire offsets.retention.minutes after the group
    /// emptied; a Stable consumer group's offsets of topics it no longer subscribes to, that long after their commit;
    /// a simple group's, after their commit; an explicit v2-4 retention wins. An offset does not expire while an open
    /// transaction holds an offset for its partition. An empty group is deleted once all its committed offsets expired
    /// (or it has none) and no transaction with offsets for it is open; Kafka's cleanupExpiredOffsets skips the open
    /// transaction check for a group without committed offsets, whose pending offsets then outlive the group, while here
    /// they live on the group, so it stays until they are committed or aborted. Only groups of partitions loaded here
    /// expire (another node may coordinate the rest). Returns how many offsets expired.
    /// </summary>
    public int ExpireOffsets()
    {
        var expired = 0;
        var now = NowMs;
        foreach (var group in Partitions().Active.SelectMany(p => p.Groups.Values))
        {
            lock (group)
            {
                // A consumer group's members keep its offsets; once empty, they expire after their commit.
                if (group.Is(GroupState.Dead) || group.Consumer is { MemberCount: > 0 })
                    continue;
                Func<CommittedOffset, long>? baseTimestamp = group.ProtocolType is null ? o => o.CommitTimestampMs
                    : group.Is(GroupState.Empty) ? o => group.CurrentStateTimestampMs >= 0 ? group.CurrentStateTimestampMs : o.CommitTimestampMs
                    : group.Is(GroupState.Stable) && group.ProtocolType == ConsumerProtocol.ProtocolType && group.SubscribedTopics is not null ? o => o.CommitTimestampMs
                    : null;
                if (baseTimestamp is null)
                    continue;
                var due = group.Offsets.All
                    .Where(o => !group.IsSubscribedToTopic(o.Topic) && o.Offset.IsExpired(now, baseTimestamp(o.Offset), _config.OffsetsRetentionMs)
                        && !group.PendingOffsets.Has(o.Topic, o.Partition))
                    .Select(o => (o.Topic, o.Partition)).ToList();
                var allExpired = due.Count == group.Offsets.Count && !group.PendingOffsets.HasOpenTransactions;
                var deleteGroup = allExpired && group.Is(GroupState.Empty);
                List<StoredRecord> tombstones = [.. due.Select(d => GroupRecords.OffsetCommit(group.GroupId, d.Topic, d.Partition, null))];
                if (deleteGroup)
                    tombstones.AddRange(GroupTombstones(group));
                if (tombstones.Count == 0 || !Append(group, tombstones).Appended)
                    continue;
                due.ForEach(d => group.Offsets.Remove(d.Topic, d.Partition));
                expired += due.Count;
                if (deleteGroup)
                {
                    group.TransitionTo(GroupState.Dead);
                    Forget(group);
                    _logger.LogInformation("Group {Group} expired with its last offsets", group.GroupId);
                }
            }
        }
        return expired;
    }

    /// <summary>Runs <see cref="ExpireOffsets"/> every offsets.retention.check.interval.ms until <paramref name="stopping"/>.</summary>
    public async Task RunRetentionAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_config.OffsetsRetentionCheckIntervalMs), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                var expired = ExpireOffsets();
                if (expired > 0)
                    _logger.LogInformation("Removed {Count} expired offsets", expired);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
