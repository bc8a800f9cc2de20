using Microsoft.Extensions.Logging;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Groups;

/// <summary>Start-up replay of __consumer_offsets, and offsets.retention.minutes.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// Rebuilds every group from the store, in log order: the last record per key wins and tombstones delete.
    /// Groups with members come back Stable with their generation, so members that heartbeat again in time carry
    /// on without a rebalance; offsets without group metadata make a simple (member-less) group.
    /// </summary>
    public void Load()
    {
        var metadata = new Dictionary<string, StoredGroup?>(StringComparer.Ordinal);
        var offsets = new Dictionary<string, GroupOffsets>(StringComparer.Ordinal);
        var skipped = 0;
        foreach (var record in _store.ReadAll())
        {
            switch (GroupRecords.Read(record.Key, record.Value, out var failure))
            {
                case OffsetCommitEntry { Offset: { } offset } commit:
                    (offsets.TryGetValue(commit.Group, out var o) ? o : offsets[commit.Group] = new GroupOffsets()).Set(commit.Topic, commit.Partition, offset);
                    break;
                case OffsetCommitEntry deletion:
                    offsets.GetValueOrDefault(deletion.Group)?.Remove(deletion.Topic, deletion.Partition);
                    break;
                case GroupMetadataEntry entry:
                    metadata[entry.Group] = entry.Value;
                    break;
                default:
                    skipped++;
                    _logger.LogWarning("Skipped an unreadable record in {Topic}: {Failure}", OffsetsTopicStore.TopicName, failure);
                    break;
            }
        }
        foreach (var groupId in metadata.Keys.Union(offsets.Keys))
        {
            var stored = metadata.GetValueOrDefault(groupId);
            var groupOffsets = offsets.GetValueOrDefault(groupId);
            if (stored is null && (groupOffsets is null || groupOffsets.Count == 0))
                continue;
            var group = GetOrCreate(groupId);
            lock (group)
            {
                if (stored is not null)
                    group.Restore(stored);
                foreach (var (topic, partition, offset) in groupOffsets?.All ?? [])
                    group.Offsets.Set(topic, partition, offset);
                foreach (var member in group.Members)
                    ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
            }
        }
        _logger.LogInformation("Loaded {Groups} groups from {Topic} ({Skipped} unreadable records skipped)", _groups.Count, OffsetsTopicStore.TopicName, skipped);
    }

    /// <summary>
    /// Kafka's offset expiry: offsets of a group without members expire offsets.retention.minutes after the group
    /// emptied; a Stable consumer group's offsets of topics it no longer subscribes to, that long after their commit;
    /// a simple group's, after their commit; an explicit v2-4 retention wins. An empty group left without offsets
    /// is deleted. Returns how many offsets expired.
    /// </summary>
    public int ExpireOffsets()
    {
        var expired = 0;
        var now = NowMs;
        foreach (var group in _groups.Values)
        {
            lock (group)
            {
                if (group.Is(GroupState.Dead))
                    continue;
                Func<CommittedOffset, long>? baseTimestamp = group.ProtocolType is null ? o => o.CommitTimestampMs
                    : group.Is(GroupState.Empty) ? o => group.CurrentStateTimestampMs >= 0 ? group.CurrentStateTimestampMs : o.CommitTimestampMs
                    : group.Is(GroupState.Stable) && group.ProtocolType == ConsumerProtocol.ProtocolType && group.SubscribedTopics is not null ? o => o.CommitTimestampMs
                    : null;
                if (baseTimestamp is null)
                    continue;
                var due = group.Offsets.All
                    .Where(o => !group.IsSubscribedToTopic(o.Topic) && o.Offset.IsExpired(now, baseTimestamp(o.Offset), _config.OffsetsRetentionMs))
                    .Select(o => (o.Topic, o.Partition)).ToList();
                var allExpired = due.Count == group.Offsets.Count;
                var deleteGroup = allExpired && group.Is(GroupState.Empty);
                List<StoredRecord> tombstones = [.. due.Select(d => GroupRecords.OffsetCommit(group.GroupId, d.Topic, d.Partition, null))];
                if (deleteGroup)
                    tombstones.Add(GroupRecords.GroupMetadata(group.GroupId, null));
                if (tombstones.Count == 0 || Append(group, tombstones).IsFaulted)
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
