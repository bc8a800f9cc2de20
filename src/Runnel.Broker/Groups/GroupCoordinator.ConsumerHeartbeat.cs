using Microsoft.Extensions.Logging;
using Runnel.Broker.Groups.Modern;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Groups;

/// <summary>A KIP-848 request failed with Kafka's error and message (Kafka's ApiException of the same name).</summary>
internal sealed class GroupRequestException(ErrorCode error, string message) : Exception(message)
{
    public ErrorCode Error { get; } = error;
}

/// <summary>
/// ConsumerGroupHeartbeat (KIP-848), as Kafka's GroupMetadataManager.consumerGroupHeartbeat: (1) the member joins
/// (epoch 0) or is updated, and a change of subscriptions or of the subscribed topics bumps the group epoch; (2) when
/// the group epoch passed the assignment epoch, the server-side assignor computes a new target assignment; (3) the
/// member's current assignment moves one step towards its target (<see cref="CurrentAssignmentBuilder"/>). Every change
/// is written to __consumer_offsets as Kafka's records, and the reply waits until they count. A member that stops
/// heartbeating for group.consumer.session.timeout.ms, or does not revoke within its rebalance timeout, is fenced.
/// </summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>Where the broker's topics are read (the published metadata image); empty until the broker sets it.</summary>
    public Func<TopicsImage> TopicsSource { get; set; } = () => TopicsImage.Empty;

    private static string SessionTimerKey(string memberId) => "consumer-session/" + memberId;

    private static string RebalanceTimerKey(string memberId) => "consumer-rebalance/" + memberId;

    public Task<ConsumerGroupHeartbeatResponse> ConsumerGroupHeartbeatAsync(ConsumerGroupHeartbeatRequest request, GroupClient client)
    {
        try
        {
            ValidateHeartbeat(request);
            var status = Locate(request.GroupId, out var owner);
            if (status != ErrorCode.None)
                return Task.FromResult(HeartbeatError(status, null));
            var group = owner.Groups.GetValueOrDefault(request.GroupId);
            if (group is null)
            {
                if (request.MemberEpoch != 0)
                    throw new GroupRequestException(ErrorCode.UnknownMemberId, $"Member {request.MemberId} is not a member of group {request.GroupId}.");
                group = owner.GetOrCreate(request.GroupId, _time) ?? throw new GroupRequestException(ErrorCode.NotCoordinator, "Not the coordinator.");
            }
            lock (group)
            {
                if (group.Is(GroupState.Dead))
                    return Task.FromResult(HeartbeatError(ErrorCode.CoordinatorNotAvailable, null));
                var records = new List<StoredRecord>();
                var consumer = ConsumerGroupOf(group, request.MemberEpoch == 0, records);
                var response = request.MemberEpoch < 0
                    ? Leave(group, consumer, request, records)
                    : Heartbeat(group, consumer, request, client, records);
                if (records.Count == 0)
                    return Task.FromResult(response);
                var append = Append(group, records);
                var done = new TaskCompletionSource<ConsumerGroupHeartbeatResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
                WhenWritten(group, append, error =>
                {
                    var mapped = GroupWriteErrors.ForCommit(error);
                    done.TrySetResult(mapped == ErrorCode.None ? response : HeartbeatError(mapped, null));
                });
                return done.Task;
            }
        }
        catch (GroupRequestException e)
        {
            return Task.FromResult(HeartbeatError(e.Error, e.Message));
        }
    }

    private static ConsumerGroupHeartbeatResponse HeartbeatError(ErrorCode error, string? message)
        => new() { ErrorCode = (short)error, ErrorMessage = message, MemberEpoch = -1 };

    /// <summary>Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid.</summary>
    private void ValidateHeartbeat(ConsumerGroupHeartbeatRequest request)
    {
        static void Invalid(string message) => throw new GroupRequestException(ErrorCode.InvalidRequest, message);
        if (request.GroupId.Length == 0)
            Invalid("GroupId can't be empty.");
        if (request.InstanceId is "")
            Invalid("InstanceId can't be empty.");
        if (request.RackId is "")
            Invalid("RackId can't be empty.");
        if (request.MemberEpoch > 0 || request.MemberEpoch == ConsumerGroupMember.LeaveEpoch)
        {
            if (request.MemberId.Length == 0)
                Invalid("MemberId can't be empty.");
        }
        else if (request.MemberEpoch == 0)
        {
            if (request.RebalanceTimeoutMs == -1)
                Invalid("RebalanceTimeoutMs must be provided in first request.");
            if (request.TopicPartitions is not { Count: 0 })
                Invalid("TopicPartitions must be empty when (re-)joining.");
            if (request.SubscribedTopicNames is null && request.SubscribedTopicRegex is null)
                Invalid("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
        }
        else if (request.MemberEpoch == ConsumerGroupMember.StaticLeaveEpoch)
        {
            if (request.MemberId.Length == 0)
                Invalid("MemberId can't be empty.");
            if (request.InstanceId is null)
                Invalid("InstanceId can't be null.");
        }
        else
        {
            Invalid("MemberEpoch is invalid.");
        }
        if (request.ServerAssignor is { } assignor && !_config.ConsumerAssignors.Contains(assignor, StringComparer.Ordinal))
        {
            throw new GroupRequestException(ErrorCode.UnsupportedAssignor,
                $"ServerAssignor {assignor} is not supported. Supported assignors: {string.Join(", ", _config.ConsumerAssignors)}.");
        }
        if (request.SubscribedTopicRegex is { Length: > 0 } regex && !SubscriptionPattern.TryParse(regex, out _, out var error))
            throw new GroupRequestException(ErrorCode.InvalidRegularExpression, $"SubscribedTopicRegex `{regex}` is not a valid regular expression: {error}.");
    }

    /// <summary>
    /// The group's KIP-848 state. A group without it that has no classic members (a simple group holding offsets, or an
    /// empty classic group) becomes a consumer group when a member joins, keeping its offsets, and its classic metadata
    /// is deleted; a classic group with members is refused with GROUP_ID_NOT_FOUND, as Kafka does when online migration
    /// (group.consumer.migration.policy) is disabled.
    /// </summary>
    private ConsumerGroup ConsumerGroupOf(ClassicGroup group, bool joining, List<StoredRecord> records)
    {
        if (group.Consumer is { } existing)
            return existing;
        if (!group.Is(GroupState.Empty) || group.MemberCount > 0)
            throw new GroupRequestException(ErrorCode.GroupIdNotFound, $"Group {group.GroupId} is not a consumer group.");
        if (!joining)
            throw new GroupRequestException(ErrorCode.UnknownMemberId, $"Group {group.GroupId} has no consumer group members.");
        if (group.ProtocolType is not null)
        {
            records.Add(GroupRecords.GroupMetadata(group.GroupId, null));
            group.ProtocolType = null;
        }
        group.Consumer = new ConsumerGroup();
        _logger.LogInformation("Created consumer group {Group}", group.GroupId);
        return group.Consumer;
    }

    private ConsumerGroupHeartbeatResponse Heartbeat(ClassicGroup group, ConsumerGroup consumer, ConsumerGroupHeartbeatRequest request, GroupClient client,
        List<StoredRecord> records)
    {
        var memberId = request.MemberId.Length > 0 ? request.MemberId : Guid.NewGuid().ToString();
        var owned = request.TopicPartitions is { } partitions ? PartitionAssignment.From(partitions.Select(t => (t.TopicId, (IEnumerable<int>)t.Partitions))) : null;
        var member = request.InstanceId is null
            ? DynamicMember(group, consumer, memberId, request.MemberEpoch, owned)
            : StaticMember(group, consumer, memberId, request.InstanceId, request.MemberEpoch, owned, records);

        var updated = member with
        {
            InstanceId = request.InstanceId ?? member.InstanceId,
            RackId = request.RackId ?? member.RackId,
            RebalanceTimeoutMs = request.RebalanceTimeoutMs != -1 ? request.RebalanceTimeoutMs : member.RebalanceTimeoutMs,
            ServerAssignor = request.ServerAssignor ?? member.ServerAssignor,
            SubscribedTopicNames = request.SubscribedTopicNames is { } names ? [.. names] : member.SubscribedTopicNames,
            SubscribedTopicRegex = request.SubscribedTopicRegex is { } regex ? (regex.Length == 0 ? null : regex) : member.SubscribedTopicRegex,
            ClientId = client.ClientId,
            ClientHost = client.ClientHost,
        };
        var isNew = consumer.Member(memberId) is null;
        if (isNew && consumer.MemberCount >= _config.ConsumerMaxSize)
            throw new GroupRequestException(ErrorCode.GroupMaxSizeReached, $"The consumer group has reached its maximum capacity of {_config.ConsumerMaxSize} members.");
        if (isNew || updated.MetadataDiffers(member))
            records.Add(GroupRecords.ConsumerGroupMemberMetadata(group.GroupId, memberId, updated));
        var bump = isNew || updated.SubscriptionDiffers(member);

        // 1. The group epoch: bumped by a changed subscription, or by subscribed topics that changed (created, grown).
        var topics = TopicsSource();
        if (bump || !ReferenceEquals(topics, consumer.MetadataSeen))
        {
            var others = consumer.Members.Where(m => m.MemberId != memberId);
            var metadata = ConsumerGroup.ComputeSubscriptionMetadata(others.Append(updated), topics);
            consumer.MetadataSeen = topics;
            if (!SameSubscriptionMetadata(metadata, consumer.SubscriptionMetadata))
            {
                bump = true;
                consumer.SubscriptionMetadata = metadata;
                records.Add(GroupRecords.ConsumerGroupSubscriptionMetadata(group.GroupId, metadata.Values));
            }
        }
        if (bump)
        {
            consumer.GroupEpoch++;
            records.Add(GroupRecords.ConsumerGroupEpoch(group.GroupId, consumer.GroupEpoch));
            _logger.LogInformation("Bumped the epoch of consumer group {Group} to {Epoch}", group.GroupId, consumer.GroupEpoch);
        }
        // The member's metadata counts from here on (the assignor sees its subscription).
        consumer.Put(updated);

        // 2. The target assignment, when the group epoch moved past it.
        if (consumer.GroupEpoch > consumer.AssignmentEpoch)
            UpdateTargetAssignment(group, consumer, topics, records);

        // 3. Reconciliation of this member towards its target.
        var reconciled = Reconcile(group, consumer, updated, owned, records);

        ScheduleConsumerSession(group, consumer, memberId);
        var response = new ConsumerGroupHeartbeatResponse
        {
            MemberId = reconciled.MemberId,
            MemberEpoch = reconciled.MemberEpoch,
            HeartbeatIntervalMs = _config.ConsumerHeartbeatIntervalMs,
        };
        var full = request.MemberEpoch == 0 || (request.RebalanceTimeoutMs != -1 && request.SubscribedTopicNames is not null && request.TopicPartitions is not null);
        if (full || !reconciled.AssignedPartitions.Equals(member.AssignedPartitions))
        {
            response.Assignment = new ConsumerGroupHeartbeatResponse.AssignmentData
            {
                TopicPartitions = [.. reconciled.AssignedPartitions.Topics.Select(t => new ConsumerGroupHeartbeatResponse.TopicPartitions { TopicId = t.Key, Partitions = [.. t.Value] })],
            };
        }
        return response;
    }

    private static bool SameSubscriptionMetadata(Dictionary<string, SubscribedTopic> a, Dictionary<string, SubscribedTopic> b)
        => a.Count == b.Count && a.All(t => b.TryGetValue(t.Key, out var o) && o == t.Value);

    /// <summary>Kafka's getOrMaybeSubscribeDynamicConsumerGroupMember.</summary>
    private ConsumerGroupMember DynamicMember(ClassicGroup group, ConsumerGroup consumer, string memberId, int memberEpoch, PartitionAssignment? owned)
    {
        var existing = consumer.Member(memberId);
        if (memberEpoch == 0)
        {
            if (existing is null)
                return new ConsumerGroupMember { MemberId = memberId };
            // A member joining again with epoch 0 has given up its partitions: it starts over.
            _logger.LogInformation("Member {Member} rejoins consumer group {Group}", memberId, group.GroupId);
            var restarted = existing with { MemberEpoch = 0, PreviousMemberEpoch = 0, State = MemberState.Stable, AssignedPartitions = PartitionAssignment.Empty, PartitionsPendingRevocation = PartitionAssignment.Empty };
            consumer.Put(restarted);
            return restarted;
        }
        if (existing is null)
            throw new GroupRequestException(ErrorCode.UnknownMemberId, $"Member {memberId} is not a member of group {group.GroupId}.");
        ValidateMemberEpoch(existing, memberEpoch, owned);
        return existing;
    }

    /// <summary>Kafka's getOrMaybeSubscribeStaticConsumerGroupMember: a static member coming back takes over its old self.</summary>
    private ConsumerGroupMember StaticMember(ClassicGroup group, ConsumerGroup consumer, string memberId, string instanceId, int memberEpoch,
        PartitionAssignment? owned, List<StoredRecord> records)
    {
        var existing = consumer.StaticMember(instanceId);
        if (memberEpoch == 0)
        {
            if (existing is null)
                return new ConsumerGroupMember { MemberId = memberId, InstanceId = instanceId };
            if (existing.MemberEpoch != ConsumerGroupMember.StaticLeaveEpoch)
                throw new GroupRequestException(ErrorCode.UnreleasedInstanceId, $"Static member {existing.MemberId} with instance id {instanceId} is not released yet.");
            // The replacement keeps the old member's partitions and target, so nothing moves.
            var target = consumer.TargetOf(existing.MemberId);
            RemoveMember(group, consumer, existing.MemberId, records);
            var replacement = existing with
            {
                MemberId = memberId,
                MemberEpoch = 0,
                PreviousMemberEpoch = 0,
                State = MemberState.Stable,
                PartitionsPendingRevocation = PartitionAssignment.Empty,
            };
            consumer.TargetAssignment[memberId] = target;
            records.Add(GroupRecords.ConsumerGroupTargetAssignmentMember(group.GroupId, memberId, target));
            consumer.Put(replacement);
            _logger.LogInformation("Static member {Member} with instance id {Instance} replaced {Old} in consumer group {Group}", memberId, instanceId,
                existing.MemberId, group.GroupId);
            return replacement;
        }
        if (existing is null)
            throw new GroupRequestException(ErrorCode.UnknownMemberId, $"Instance id {instanceId} is unknown.");
        if (existing.MemberId != memberId)
            throw new GroupRequestException(ErrorCode.FencedInstanceId, $"Static member {memberId} with instance id {instanceId} was fenced by member {existing.MemberId}.");
        ValidateMemberEpoch(existing, memberEpoch, owned);
        return existing;
    }

    /// <summary>Kafka's throwIfConsumerGroupMemberEpochIsInvalid; a reply with the new epoch may have been lost, so the previous one is accepted with a subset of the partitions.</summary>
    private static void ValidateMemberEpoch(ConsumerGroupMember member, int received, PartitionAssignment? owned)
    {
        if (received > member.MemberEpoch)
        {
            throw new GroupRequestException(ErrorCode.FencedMemberEpoch, $"The consumer group member has a greater member epoch ({received}) than the one known by the group coordinator ({member.MemberEpoch}). The member must abandon all its partitions and rejoin.");
        }
        if (received < member.MemberEpoch && (received != member.PreviousMemberEpoch || owned is null || !owned.IsSubsetOf(member.AssignedPartitions)))
        {
            throw new GroupRequestException(ErrorCode.FencedMemberEpoch, $"The consumer group member has a smaller member epoch ({received}) than the one known by the group coordinator ({member.MemberEpoch}). The member must abandon all its partitions and rejoin.");
        }
    }

    /// <summary>
    /// Computes the target assignment of the group epoch with the group's assignor (the one most members name, else
    /// the first of group.consumer.assignors) and writes the members whose target changed, then the assignment epoch.
    /// </summary>
    private void UpdateTargetAssignment(ClassicGroup group, ConsumerGroup consumer, TopicsImage topics, List<StoredRecord> records)
    {
        var assignorName = consumer.Members.Where(m => m.ServerAssignor is not null).GroupBy(m => m.ServerAssignor!)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).FirstOrDefault() ?? _config.ConsumerAssignors[0];
        var assignor = ConsumerGroupAssignors.Find(assignorName) ?? UniformAssignor.Instance;
        var counts = consumer.SubscriptionMetadata.Values.ToDictionary(t => t.TopicId, t => t.NumPartitions);
        var members = consumer.Members.Select(m => new AssignmentMember(m.MemberId, m.InstanceId,
            ConsumerGroup.SubscribedTopics(m, topics).Select(n => consumer.SubscriptionMetadata.GetValueOrDefault(n)).Where(t => t.Name is not null)
                .Select(t => t.TopicId).ToHashSet(), consumer.TargetOf(m.MemberId))).ToList();
        var target = assignor.Assign(members, counts);
        foreach (var (memberId, assignment) in target)
        {
            if (!consumer.TargetOf(memberId).Equals(assignment) || !consumer.TargetAssignment.ContainsKey(memberId))
                records.Add(GroupRecords.ConsumerGroupTargetAssignmentMember(group.GroupId, memberId, assignment));
            consumer.TargetAssignment[memberId] = assignment;
        }
        consumer.AssignmentEpoch = consumer.GroupEpoch;
        consumer.AssignorName = assignor.Name;
        records.Add(GroupRecords.ConsumerGroupTargetAssignmentEpoch(group.GroupId, consumer.AssignmentEpoch));
        _logger.LogInformation("Computed the target assignment of consumer group {Group} in epoch {Epoch} with the {Assignor} assignor", group.GroupId,
            consumer.AssignmentEpoch, assignor.Name);
    }

    /// <summary>Kafka's maybeReconcile: one step towards the target; the rebalance timer runs while the member must revoke.</summary>
    private ConsumerGroupMember Reconcile(ClassicGroup group, ConsumerGroup consumer, ConsumerGroupMember member, PartitionAssignment? owned, List<StoredRecord> records)
    {
        if (member.IsReconciledTo(consumer.AssignmentEpoch))
            return member;
        ConsumerGroupMember next;
        try
        {
            next = CurrentAssignmentBuilder.Build(member, consumer.AssignmentEpoch, consumer.TargetOf(member.MemberId), consumer.PartitionEpoch, owned);
        }
        catch (FencedMemberEpochException e)
        {
            throw new GroupRequestException(ErrorCode.FencedMemberEpoch, e.Message);
        }
        if (!next.AssignmentDiffers(member))
            return member;
        consumer.Put(next);
        records.Add(GroupRecords.ConsumerGroupCurrentAssignment(group.GroupId, next.MemberId, next));
        _logger.LogDebug("Member {Member} of consumer group {Group}: epoch {Epoch}, {State}, assigned {Assigned}, revoking {Revoking}", next.MemberId,
            group.GroupId, next.MemberEpoch, next.State, next.AssignedPartitions, next.PartitionsPendingRevocation);
        if (next.State == MemberState.UnrevokedPartitions)
            ScheduleRebalanceTimeout(group, next.MemberId, next.MemberEpoch, next.RebalanceTimeoutMs);
        else
            group.Timers.Cancel(RebalanceTimerKey(next.MemberId));
        return next;
    }

    /// <summary>Leaving: -1 removes the member (its partitions go to others at once); -2 keeps a static member's partitions until its session ends.</summary>
    private ConsumerGroupHeartbeatResponse Leave(ClassicGroup group, ConsumerGroup consumer, ConsumerGroupHeartbeatRequest request, List<StoredRecord> records)
    {
        ConsumerGroupMember member;
        if (request.InstanceId is null)
        {
            member = consumer.Member(request.MemberId)
                ?? throw new GroupRequestException(ErrorCode.UnknownMemberId, $"Member {request.MemberId} is not a member of group {group.GroupId}.");
        }
        else
        {
            member = consumer.StaticMember(request.InstanceId)
                ?? throw new GroupRequestException(ErrorCode.UnknownMemberId, $"Instance id {request.InstanceId} is unknown.");
            if (member.MemberId != request.MemberId)
                throw new GroupRequestException(ErrorCode.FencedInstanceId, $"Static member {request.MemberId} with instance id {request.InstanceId} was fenced by member {member.MemberId}.");
            if (request.MemberEpoch == ConsumerGroupMember.StaticLeaveEpoch)
            {
                var away = member with { MemberEpoch = ConsumerGroupMember.StaticLeaveEpoch, PartitionsPendingRevocation = PartitionAssignment.Empty };
                consumer.Put(away);
                group.Timers.Cancel(RebalanceTimerKey(member.MemberId));
                records.Add(GroupRecords.ConsumerGroupCurrentAssignment(group.GroupId, away.MemberId, away));
                _logger.LogInformation("Static member {Member} with instance id {Instance} left consumer group {Group} for now", member.MemberId,
                    request.InstanceId, group.GroupId);
                return new ConsumerGroupHeartbeatResponse { MemberId = member.MemberId, MemberEpoch = ConsumerGroupMember.StaticLeaveEpoch };
            }
        }
        _logger.LogInformation("Member {Member} left consumer group {Group}", member.MemberId, group.GroupId);
        FenceMember(group, consumer, member.MemberId, records);
        return new ConsumerGroupHeartbeatResponse { MemberId = member.MemberId, MemberEpoch = request.MemberEpoch };
    }

    /// <summary>Removes a member and bumps the group epoch, so the next heartbeat computes a target without it (Kafka's consumerGroupFenceMember).</summary>
    private void FenceMember(ClassicGroup group, ConsumerGroup consumer, string memberId, List<StoredRecord> records)
    {
        RemoveMember(group, consumer, memberId, records);
        var topics = TopicsSource();
        var metadata = ConsumerGroup.ComputeSubscriptionMetadata(consumer.Members, topics);
        consumer.MetadataSeen = topics;
        if (!SameSubscriptionMetadata(metadata, consumer.SubscriptionMetadata))
        {
            consumer.SubscriptionMetadata = metadata;
            records.Add(GroupRecords.ConsumerGroupSubscriptionMetadata(group.GroupId, metadata.Values));
        }
        consumer.GroupEpoch++;
        records.Add(GroupRecords.ConsumerGroupEpoch(group.GroupId, consumer.GroupEpoch));
    }

    /// <summary>Forgets a member: its records are deleted, its timers stop and its partitions are free.</summary>
    private static void RemoveMember(ClassicGroup group, ConsumerGroup consumer, string memberId, List<StoredRecord> records)
    {
        records.Add(GroupRecords.ConsumerGroupCurrentAssignment(group.GroupId, memberId, null));
        records.Add(GroupRecords.ConsumerGroupTargetAssignmentMember(group.GroupId, memberId, null));
        records.Add(GroupRecords.ConsumerGroupMemberMetadata(group.GroupId, memberId, null));
        consumer.Remove(memberId);
        consumer.TargetAssignment.Remove(memberId);
        group.Timers.Cancel(SessionTimerKey(memberId));
        group.Timers.Cancel(RebalanceTimerKey(memberId));
    }

    private void ScheduleConsumerSession(ClassicGroup group, ConsumerGroup consumer, string memberId)
        => group.Timers.Schedule(SessionTimerKey(memberId), _config.ConsumerSessionTimeoutMs, () =>
        {
            if (group.Consumer != consumer || consumer.Member(memberId) is null)
                return;
            _logger.LogInformation("Member {Member} fenced from consumer group {Group}: its session expired", memberId, group.GroupId);
            FenceAndWrite(group, consumer, memberId);
        });

    private void ScheduleRebalanceTimeout(ClassicGroup group, string memberId, int memberEpoch, int rebalanceTimeoutMs)
    {
        var consumer = group.Consumer;
        group.Timers.Schedule(RebalanceTimerKey(memberId), Math.Max(0, rebalanceTimeoutMs), () =>
        {
            if (consumer is null || group.Consumer != consumer || consumer.Member(memberId) is not { } member || member.MemberEpoch != memberEpoch)
                return;
            _logger.LogInformation("Member {Member} fenced from consumer group {Group}: it did not leave epoch {Epoch} within {Timeout} ms", memberId,
                group.GroupId, memberEpoch, rebalanceTimeoutMs);
            FenceAndWrite(group, consumer, memberId);
        });
    }

    /// <summary>A timer's fence: under the group's lock, with nobody waiting for the write.</summary>
    private void FenceAndWrite(ClassicGroup group, ConsumerGroup consumer, string memberId)
    {
        var records = new List<StoredRecord>();
        FenceMember(group, consumer, memberId, records);
        Append(group, records);
    }

    /// <summary>Starts the sessions of a loaded consumer group's members (they have a full session to heartbeat again).</summary>
    private void ScheduleConsumerSessions(ClassicGroup group)
    {
        if (group.Consumer is not { } consumer)
            return;
        foreach (var member in consumer.Members)
        {
            ScheduleConsumerSession(group, consumer, member.MemberId);
            if (member.State == MemberState.UnrevokedPartitions)
                ScheduleRebalanceTimeout(group, member.MemberId, member.MemberEpoch, member.RebalanceTimeoutMs);
        }
    }
}
