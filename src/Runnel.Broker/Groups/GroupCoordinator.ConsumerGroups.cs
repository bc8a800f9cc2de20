using Microsoft.Extensions.Logging;
using Runnel.Broker.Groups.Modern;
using Runnel.Protocol;

namespace Runnel.Broker.Groups;

/// <summary>What KIP-848 groups change in the classic paths: conversion, deletion and offset checks.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// The tombstones that delete a group: its classic metadata, or, for a consumer group, Kafka's
    /// createGroupTombstoneRecords (target assignment metadata, subscription metadata, group epoch; members' records go
    /// when each member leaves).
    /// </summary>
    private static List<StoredRecord> GroupTombstones(ClassicGroup group) => group.Consumer is null
        ? [GroupRecords.GroupMetadata(group.GroupId, null)]
        : [GroupRecords.ConsumerGroupTargetAssignmentEpoch(group.GroupId, null), GroupRecords.ConsumerGroupSubscriptionMetadata(group.GroupId, null),
            GroupRecords.ConsumerGroupEpoch(group.GroupId, null)];

    /// <summary>An empty consumer group that a classic member joins becomes a classic group, as in Kafka (its records are deleted, offsets kept).</summary>
    private void ConvertToClassic(ClassicGroup group)
    {
        if (group.Consumer is not { MemberCount: 0 })
            return;
        Append(group, GroupTombstones(group));
        group.Consumer = null;
        _logger.LogInformation("Consumer group {Group} became a classic group", group.GroupId);
    }

    /// <summary>
    /// Kafka's ConsumerGroup.validateOffsetCommit: without a member epoch (-1) only while the group has no members; else the
    /// member must exist (UNKNOWN_MEMBER_ID), use OffsetCommit v9+ unless transactional (UNSUPPORTED_VERSION), and send its
    /// current member epoch (STALE_MEMBER_EPOCH).
    /// </summary>
    private static ErrorCode ValidateConsumerOffsetCommit(ConsumerGroup consumer, string memberId, int memberEpoch, bool transactional, short version)
    {
        if (memberEpoch < 0 && consumer.MemberCount == 0)
            return ErrorCode.None;
        if (consumer.Member(memberId) is not { } member)
            return ErrorCode.UnknownMemberId;
        if (!transactional && version < 9)
            return ErrorCode.UnsupportedVersion;
        return memberEpoch == member.MemberEpoch ? ErrorCode.None : ErrorCode.StaleMemberEpoch;
    }

    /// <summary>
    /// Kafka's ConsumerGroup.validateOffsetFetch (OffsetFetch v9+): without member id and epoch anyone may fetch; else the
    /// member must exist (UNKNOWN_MEMBER_ID) with that epoch (STALE_MEMBER_EPOCH).
    /// </summary>
    public ErrorCode ValidateOffsetFetch(string groupId, string? memberId, int memberEpoch)
    {
        if (memberId is null && memberEpoch < 0)
            return ErrorCode.None;
        if (Locate(groupId, out var owner) != ErrorCode.None || owner.Groups.GetValueOrDefault(groupId) is not { } group)
            return ErrorCode.None;
        lock (group)
        {
            if (group.Consumer is not { } consumer)
                return ErrorCode.None;
            if (memberId is null || consumer.Member(memberId) is not { } member)
                return ErrorCode.UnknownMemberId;
            return member.MemberEpoch == memberEpoch ? ErrorCode.None : ErrorCode.StaleMemberEpoch;
        }
    }

    /// <summary>Logs a consumer group's restore; used by the loader.</summary>
    private void LogRestored(ClassicGroup group)
    {
        if (group.Consumer is { } consumer)
        {
            _logger.LogInformation("Restored consumer group {Group}: epoch {Epoch}, assignment epoch {AssignmentEpoch}, {Members} members", group.GroupId,
                consumer.GroupEpoch, consumer.AssignmentEpoch, consumer.MemberCount);
        }
    }
}
