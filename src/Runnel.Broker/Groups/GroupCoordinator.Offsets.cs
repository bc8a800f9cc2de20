using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Groups;

/// <summary>OffsetCommit, OffsetFetch and OffsetDelete.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// Stores committed offsets. Members commit with their generation and member id, and a commit from any other
    /// generation (a zombie that missed a rebalance) is refused with ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID; a
    /// commit without a generation (-1) is accepted only while the group has no members, and creates a "simple"
    /// group when none exists. The reply waits until the commit counts (see <see cref="IGroupStore"/>); a write that
    /// failed answers each written partition with <see cref="GroupWriteErrors.ForCommit"/> of the partition's error.
    /// </summary>
    public Task<OffsetCommitResponse> CommitOffsetsAsync(OffsetCommitRequest request, short version)
    {
        var response = new OffsetCommitResponse();
        var status = Locate(request.GroupId, out var owner);
        if (status != ErrorCode.None)
            return Task.FromResult(CommitError(request, status));
        var group = owner.Groups.GetValueOrDefault(request.GroupId);
        if (group is null)
        {
            if (request.GenerationIdOrMemberEpoch >= 0)
                return Task.FromResult(CommitError(request, version >= 9 ? ErrorCode.GroupIdNotFound : ErrorCode.IllegalGeneration));
            group = owner.GetOrCreate(request.GroupId, _time);
            if (group is null)
                return Task.FromResult(CommitError(request, ErrorCode.NotCoordinator));
        }
        var written = new List<OffsetCommitResponse.OffsetCommitResponsePartition>();
        var durable = Task.FromResult(ErrorCode.None);
        lock (group)
        {
            var invalid = ValidateOffsetCommit(group, request.MemberId, request.GroupInstanceId, request.GenerationIdOrMemberEpoch, transactional: false, version);
            if (invalid != ErrorCode.None)
                return Task.FromResult(CommitError(request, invalid));
            if ((group.Is(GroupState.Stable) || group.Is(GroupState.PreparingRebalance)) && group.HasMember(request.MemberId))
                ScheduleHeartbeat(group, group.Member(request.MemberId), group.Member(request.MemberId).SessionTimeoutMs);
            var now = NowMs;
            var expireAt = request.RetentionTimeMs >= 0 && version is >= 2 and <= 4 ? now + request.RetentionTimeMs : -1;
            var commits = new List<(string Topic, int Partition, CommittedOffset Offset)>();
            foreach (var topic in request.Topics)
            {
                var topicReply = new OffsetCommitResponse.OffsetCommitResponseTopic { Name = topic.Name };
                response.Topics.Add(topicReply);
                foreach (var partition in topic.Partitions)
                {
                    var reply = new OffsetCommitResponse.OffsetCommitResponsePartition { PartitionIndex = partition.PartitionIndex };
                    topicReply.Partitions.Add(reply);
                    if (!_partitionExists(topic.Name, partition.PartitionIndex))
                        reply.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    else if (partition.CommittedMetadata is { } metadata && metadata.Length > _config.OffsetMetadataMaxBytes)
                        reply.ErrorCode = (short)ErrorCode.OffsetMetadataTooLarge;
                    else
                    {
                        var commitTime = version == 1 && partition.CommitTimestamp >= 0 ? partition.CommitTimestamp : now;
                        commits.Add((topic.Name, partition.PartitionIndex,
                            new CommittedOffset(partition.CommittedOffset, partition.CommittedLeaderEpoch, partition.CommittedMetadata ?? "", commitTime, expireAt)));
                        written.Add(reply);
                    }
                }
            }
            if (commits.Count > 0)
            {
                var append = Append(group, [.. commits.Select(c => GroupRecords.OffsetCommit(group.GroupId, c.Topic, c.Partition, c.Offset))]);
                durable = append.Durable;
                // The cache follows the log's order (we hold the lock); only the reply waits for durability.
                if (append.Appended)
                {
                    for (var i = 0; i < commits.Count; i++)
                    {
                        var (topic, partition, offset) = commits[i];
                        group.Offsets.Set(topic, partition, offset with { RecordOffset = append.BaseOffset + i });
                        OffsetCommitted?.Invoke(group.GroupId, topic, partition, offset.Offset);
                    }
                }
            }
        }
        if (durable.IsCompletedSuccessfully && durable.Result == ErrorCode.None)
            return Task.FromResult(response);
        return durable.ContinueWith(t =>
        {
            var error = GroupWriteErrors.ForCommit(t.IsCompletedSuccessfully ? t.Result : ErrorCode.UnknownServerError);
            if (error != ErrorCode.None)
                written.ForEach(reply => reply.ErrorCode = (short)error);
            return response;
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private static OffsetCommitResponse CommitError(OffsetCommitRequest request, ErrorCode error) => new()
    {
        Topics = [.. request.Topics.Select(t => new OffsetCommitResponse.OffsetCommitResponseTopic
        {
            Name = t.Name,
            Partitions = [.. t.Partitions.Select(p => new OffsetCommitResponse.OffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error })],
        })],
    };

    /// <summary>
    /// Kafka's ClassicGroup.validateOffsetCommit. A commit without generation, member id and instance id is accepted
    /// while the group is Empty, and for a transaction (whose v0-2 requests carry none of them) in any state; otherwise
    /// the member must be in the group (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID) in its generation (ILLEGAL_GENERATION).
    /// A plain commit is REBALANCE_IN_PROGRESS while the group completes a rebalance; a transactional one is not.
    /// </summary>
    private static ErrorCode ValidateOffsetCommit(ClassicGroup group, string memberId, string? groupInstanceId, int generation, bool transactional, short version = 9)
    {
        if (group.Is(GroupState.Dead))
            return ErrorCode.CoordinatorNotAvailable;
        if (group.Consumer is { } consumer)
            return ValidateConsumerOffsetCommit(consumer, memberId, generation, transactional, version);
        if (generation < 0 && group.Is(GroupState.Empty))
            return ErrorCode.None;
        if (generation >= 0 || memberId.Length > 0 || groupInstanceId is not null)
        {
            var invalid = group.ValidateMember(memberId, groupInstanceId);
            if (invalid != ErrorCode.None)
                return invalid;
            if (generation != group.GenerationId)
                return ErrorCode.IllegalGeneration;
        }
        else if (!transactional && !group.Is(GroupState.Empty))
        {
            return ErrorCode.UnknownMemberId;
        }
        // The member has the new generation from its JoinGroup reply but not yet its assignment.
        return !transactional && group.Is(GroupState.CompletingRebalance) ? ErrorCode.RebalanceInProgress : ErrorCode.None;
    }

    /// <summary>
    /// A group's committed offsets in the v8 shape: the partitions asked for (-1 with empty metadata when none
    /// was committed), or every committed partition when <paramref name="topics"/> is null. Offsets of open transactions
    /// are never given; with <paramref name="requireStable"/> a partition one of them holds an offset for answers
    /// UNSTABLE_OFFSET_COMMIT (and -1) instead, as Kafka's fetchOffsets and fetchAllOffsets do. When this node does not
    /// serve the group now, the group's error (see <see cref="Locate"/>) and no topics.
    /// </summary>
    public OffsetFetchResponse.OffsetFetchResponseGroup FetchOffsets(string groupId, IReadOnlyList<(string Topic, IReadOnlyList<int> Partitions)>? topics,
        bool requireStable = false)
    {
        var result = new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = groupId };
        var status = Locate(groupId, out var owner);
        if (status != ErrorCode.None)
        {
            result.ErrorCode = (short)status;
            return result;
        }
        var group = owner.Groups.GetValueOrDefault(groupId);
        if (group is null)
        {
            foreach (var (topic, partitions) in topics ?? [])
                result.Topics.Add(new() { Name = topic, Partitions = [.. partitions.Select(p => FetchedOffset(p, null))] });
            return result;
        }
        lock (group)
        {
            var dead = group.Is(GroupState.Dead);
            bool Unstable(string topic, int partition) => requireStable && !dead && group.PendingOffsets.Has(topic, partition);
            if (topics is null)
            {
                foreach (var byTopic in dead ? [] : group.Offsets.All.GroupBy(o => o.Topic))
                {
                    result.Topics.Add(new()
                    {
                        Name = byTopic.Key,
                        Partitions = [.. byTopic.Select(o => FetchedOffset(o.Partition, o.Offset, Unstable(o.Topic, o.Partition)))],
                    });
                }
                return result;
            }
            foreach (var (topic, partitions) in topics)
            {
                result.Topics.Add(new()
                {
                    Name = topic,
                    Partitions = [.. partitions.Select(p => FetchedOffset(p, dead ? null : group.Offsets.Get(topic, p), Unstable(topic, p)))],
                });
            }
            return result;
        }
    }

    private static OffsetFetchResponse.OffsetFetchResponsePartitions FetchedOffset(int partition, CommittedOffset? offset, bool unstable = false) => unstable
        ? new() { PartitionIndex = partition, CommittedOffset = -1, CommittedLeaderEpoch = -1, Metadata = "", ErrorCode = (short)ErrorCode.UnstableOffsetCommit }
        : new()
        {
            PartitionIndex = partition,
            CommittedOffset = offset?.Offset ?? -1,
            CommittedLeaderEpoch = offset?.LeaderEpoch ?? -1,
            Metadata = offset?.Metadata ?? "",
        };

    /// <summary>
    /// Deletes committed offsets of topics the group does not consume: refused per partition with
    /// GROUP_SUBSCRIBED_TO_TOPIC while members subscribe to the topic, and for the whole group (NON_EMPTY_GROUP)
    /// when an active group's protocol is not the consumer protocol.
    /// </summary>
    public OffsetDeleteResponse DeleteOffsets(OffsetDeleteRequest request)
    {
        var response = new OffsetDeleteResponse();
        var status = Locate(request.GroupId, out var owner);
        if (status != ErrorCode.None)
            return new OffsetDeleteResponse { ErrorCode = (short)status };
        if (owner.Groups.GetValueOrDefault(request.GroupId) is not { } group)
            return new OffsetDeleteResponse { ErrorCode = (short)ErrorCode.GroupIdNotFound };
        lock (group)
        {
            if (group.Is(GroupState.Dead))
                return new OffsetDeleteResponse { ErrorCode = (short)ErrorCode.GroupIdNotFound };
            if (!group.Is(GroupState.Empty) && group.ProtocolType != Protocol.Primitives.ConsumerProtocol.ProtocolType)
                return new OffsetDeleteResponse { ErrorCode = (short)ErrorCode.NonEmptyGroup };
            var deleted = new List<(string Topic, int Partition)>();
            foreach (var topic in request.Topics)
            {
                var topicReply = new OffsetDeleteResponse.OffsetDeleteResponseTopic { Name = topic.Name };
                response.Topics.Add(topicReply);
                var subscribed = group.IsSubscribedToTopic(topic.Name);
                foreach (var partition in topic.Partitions)
                {
                    var error = subscribed ? ErrorCode.GroupSubscribedToTopic
                        : !_partitionExists(topic.Name, partition.PartitionIndex) ? ErrorCode.UnknownTopicOrPartition
                        : ErrorCode.None;
                    // As in Kafka, a tombstone goes for a committed offset and for one an open transaction holds.
                    if (error == ErrorCode.None && (group.Offsets.Get(topic.Name, partition.PartitionIndex) is not null
                        || group.PendingOffsets.Has(topic.Name, partition.PartitionIndex)))
                        deleted.Add((topic.Name, partition.PartitionIndex));
                    topicReply.Partitions.Add(new() { PartitionIndex = partition.PartitionIndex, ErrorCode = (short)error });
                }
            }
            if (deleted.Count > 0)
            {
                // As in Kafka, the reply does not wait for the tombstones to be replicated.
                var append = Append(group, [.. deleted.Select(d => GroupRecords.OffsetCommit(group.GroupId, d.Topic, d.Partition, null))]);
                if (!append.Appended)
                    response.ErrorCode = (short)GroupWriteErrors.ForCommit(append.Error);
                else
                {
                    foreach (var (topic, partition) in deleted)
                    {
                        group.Offsets.Remove(topic, partition);
                        group.PendingOffsets.Remove(topic, partition);
                    }
                }
            }
        }
        return response;
    }
}
