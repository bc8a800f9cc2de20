using Microsoft.Extensions.Logging;
using Runnel.Broker.Groups.Modern;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Records;

namespace Runnel.Broker.Groups;

/// <summary>Loading a partition's groups from its log, and unloading them.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// Replays the partition from its log start to its log end, in log order, as Kafka's loader does: the last record per
    /// key wins and tombstones delete. An offset written by a producer's transaction (its batch has a producer id) stays
    /// pending until that producer's commit marker makes it committed (<see cref="GroupOffsets.Commit"/>) or its abort
    /// marker drops it; an offset tombstone removes the partition's committed and pending offsets. Groups with members
    /// come back Stable with their generation, so members that heartbeat again in time carry on without a rebalance;
    /// offsets (committed or pending) without group metadata make a simple (member-less) group. The groups are installed
    /// and the partition becomes Active only if it is still loading; a failed replay leaves it Failed.
    /// </summary>
    private async Task LoadAsync(OffsetsPartition partition)
    {
        try
        {
            var metadata = new Dictionary<string, StoredGroup?>(StringComparer.Ordinal);
            var offsets = new Dictionary<string, GroupOffsets>(StringComparer.Ordinal);
            var pending = new Dictionary<string, PendingTransactionalOffsets>(StringComparer.Ordinal);
            var consumers = new Dictionary<string, ConsumerGroupReplay>(StringComparer.Ordinal);
            var skipped = 0;
            await foreach (var record in _store.ReadAsync(partition.Index).ConfigureAwait(false))
            {
                if (partition.State == OffsetsPartitionState.Closed)
                {
                    _logger.LogInformation("Stopped loading {Topic}-{Partition}: it was unloaded", OffsetsTopicStore.TopicName, partition.Index);
                    return;
                }
                if (record.Control is { } marker)
                {
                    foreach (var (groupId, open) in pending)
                    {
                        if (open.End(record.ProducerId) is { } ended && marker == ControlRecordType.Commit)
                            (offsets.TryGetValue(groupId, out var o) ? o : offsets[groupId] = new GroupOffsets()).Commit(ended);
                    }
                    continue;
                }
                switch (GroupRecords.Read(record.Key, record.Value, out var failure))
                {
                    case OffsetCommitEntry { Offset: { } offset } commit when record.ProducerId != -1:
                        (pending.TryGetValue(commit.Group, out var p) ? p : pending[commit.Group] = new PendingTransactionalOffsets())
                            .Add(record.ProducerId, commit.Topic, commit.Partition, offset with { RecordOffset = record.Offset });
                        break;
                    case OffsetCommitEntry { Offset: { } offset } commit:
                        (offsets.TryGetValue(commit.Group, out var o) ? o : offsets[commit.Group] = new GroupOffsets())
                            .Set(commit.Topic, commit.Partition, offset with { RecordOffset = record.Offset });
                        break;
                    case OffsetCommitEntry deletion:
                        offsets.GetValueOrDefault(deletion.Group)?.Remove(deletion.Topic, deletion.Partition);
                        pending.GetValueOrDefault(deletion.Group)?.Remove(deletion.Topic, deletion.Partition);
                        break;
                    case GroupMetadataEntry entry:
                        metadata[entry.Group] = entry.Value;
                        break;
                    case ConsumerGroupEntry entry:
                        (consumers.TryGetValue(entry.Group, out var c) ? c : consumers[entry.Group] = new ConsumerGroupReplay()).Apply(entry);
                        break;
                    default:
                        skipped++;
                        _logger.LogWarning("Skipped an unreadable record in {Topic}-{Partition}: {Failure}", OffsetsTopicStore.TopicName, partition.Index, failure);
                        break;
                }
            }
            var groups = Restore(metadata, offsets, pending, consumers);
            if (Install(partition, groups))
            {
                _logger.LogInformation("Loaded {Groups} groups from {Topic}-{Partition} ({Skipped} unreadable records skipped)", groups.Count,
                    OffsetsTopicStore.TopicName, partition.Index, skipped);
            }
            else
            {
                _logger.LogInformation("Discarded the load of {Topic}-{Partition}: it was unloaded meanwhile", OffsetsTopicStore.TopicName, partition.Index);
            }
        }
        catch (Exception e)
        {
            bool failed;
            lock (partition)
                failed = partition.FinishLoading(OffsetsPartitionState.Failed);
            // A log deleted under the replay is expected once the partition was unloaded.
            if (failed)
                _logger.LogError(e, "Could not load {Topic}-{Partition}; its groups answer NOT_COORDINATOR", OffsetsTopicStore.TopicName, partition.Index);
            else
                _logger.LogInformation("Stopped loading {Topic}-{Partition}: it was unloaded ({Message})", OffsetsTopicStore.TopicName, partition.Index, e.Message);
        }
        finally
        {
            partition.MarkLoaded();
        }
    }

    /// <summary>The groups the replayed records describe, not yet visible to requests and without timers.</summary>
    private List<ClassicGroup> Restore(Dictionary<string, StoredGroup?> metadata, Dictionary<string, GroupOffsets> offsets,
        Dictionary<string, PendingTransactionalOffsets> pending, Dictionary<string, ConsumerGroupReplay> consumers)
    {
        var groups = new List<ClassicGroup>();
        foreach (var groupId in metadata.Keys.Union(offsets.Keys).Union(pending.Keys).Union(consumers.Keys))
        {
            var stored = metadata.GetValueOrDefault(groupId);
            var groupOffsets = offsets.GetValueOrDefault(groupId);
            var open = pending.GetValueOrDefault(groupId);
            var consumer = consumers.GetValueOrDefault(groupId)?.Build();
            if (stored is null && consumer is null && (groupOffsets is null || groupOffsets.Count == 0) && open is not { HasOffsets: true })
                continue;
            var group = new ClassicGroup(groupId, _time);
            lock (group)
            {
                if (consumer is not null)
                    group.Consumer = consumer;
                else if (stored is not null)
                    group.Restore(stored);
                foreach (var (topic, partition, offset) in groupOffsets?.All ?? [])
                    group.Offsets.Set(topic, partition, offset);
                if (open is not null)
                    group.PendingOffsets.TakeOver(open);
            }
            groups.Add(group);
        }
        return groups;
    }

    /// <summary>
    /// Makes the groups visible and the partition Active, under the partition's lock so an unload either comes first (and
    /// the load is discarded: false) or finds every group. Each restored member's session starts now, and the transaction
    /// ends heard during the load (see <see cref="CompleteTransaction"/>) are applied in the order heard.
    /// </summary>
    private bool Install(OffsetsPartition partition, List<ClassicGroup> groups)
    {
        lock (partition)
        {
            if (partition.State != OffsetsPartitionState.Loading)
                return false;
            foreach (var group in groups)
            {
                lock (group)
                {
                    foreach (var member in group.Members)
                        ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
                    ScheduleConsumerSessions(group);
                    LogRestored(group);
                }
                partition.Groups[group.GroupId] = group;
            }
            foreach (var completion in partition.TakeDeferredCompletions())
            {
                foreach (var group in groups)
                {
                    lock (group)
                        EndTransaction(group, completion.ProducerId, completion.Commit);
                }
            }
            return partition.FinishLoading(OffsetsPartitionState.Active);
        }
    }

    /// <summary>
    /// Kafka's onGroupUnloaded for every group of the partition: the group becomes Dead (a request that still holds it
    /// answers COORDINATOR_NOT_AVAILABLE), its timers stop, and parked JoinGroup and SyncGroup replies answer
    /// NOT_COORDINATOR so the members look the coordinator up again.
    /// </summary>
    private void Unload(OffsetsPartition partition)
    {
        var groups = partition.Close();
        foreach (var group in groups)
        {
            lock (group)
            {
                group.Timers.CancelAll();
                foreach (var member in group.Members.ToList())
                {
                    group.CompleteJoin(member, new JoinGroupResponse { ErrorCode = (short)ErrorCode.NotCoordinator, MemberId = member.MemberId });
                    ClassicGroup.CompleteSync(member, new SyncGroupResponse { ErrorCode = (short)ErrorCode.NotCoordinator });
                }
                if (!group.Is(GroupState.Dead))
                    group.TransitionTo(GroupState.Dead);
            }
        }
        _logger.LogInformation("Unloaded {Groups} groups of {Topic}-{Partition}", groups.Count, OffsetsTopicStore.TopicName, partition.Index);
    }
}
