using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Groups;

/// <summary>
/// JoinGroup. A new dynamic member of v4+ first gets MEMBER_ID_REQUIRED with its id and joins again with it; a
/// static member (group.instance.id, v5+) that comes back replaces its old incarnation and, if the group is
/// Stable and the chosen protocol would not change, gets its old assignment without a rebalance of the others.
/// Anything else that changes membership or metadata starts a rebalance; the reply is parked until the join
/// phase completes.
/// </summary>
internal sealed partial class GroupCoordinator
{
    public Task<JoinGroupResponse> JoinAsync(JoinGroupRequest request, GroupClient client)
    {
        var reply = new TaskCompletionSource<JoinGroupResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (request.GroupId.Length == 0)
            return Task.FromResult(JoinError(ErrorCode.InvalidGroupId, request.MemberId));
        var status = Locate(request.GroupId, out var partition);
        if (status != ErrorCode.None)
            return Task.FromResult(JoinError(status, request.MemberId));
        if (request.SessionTimeoutMs < _config.MinSessionTimeoutMs || request.SessionTimeoutMs > _config.MaxSessionTimeoutMs)
            return Task.FromResult(JoinError(ErrorCode.InvalidSessionTimeout, request.MemberId));
        var join = new JoinRequest(request, client);
        var isUnknownMember = request.MemberId.Length == 0;
        var group = isUnknownMember ? partition.GetOrCreate(request.GroupId, _time) : partition.Groups.GetValueOrDefault(request.GroupId);
        if (group is null)
            return Task.FromResult(JoinError(isUnknownMember ? ErrorCode.NotCoordinator : ErrorCode.UnknownMemberId, request.MemberId));
        lock (group)
        {
            if (group.Is(GroupState.Dead))
                reply.SetResult(JoinError(ErrorCode.CoordinatorNotAvailable, request.MemberId));
            else if (!AcceptsJoiningMember(group, request.MemberId))
            {
                group.Remove(request.MemberId);
                reply.SetResult(JoinError(ErrorCode.GroupMaxSizeReached, ""));
            }
            else if (group.Consumer is { MemberCount: > 0 })
                reply.SetResult(JoinError(ErrorCode.InconsistentGroupProtocol, request.MemberId));
            else if (!group.SupportsProtocols(request.ProtocolType, join.Protocols))
                reply.SetResult(JoinError(ErrorCode.InconsistentGroupProtocol, request.MemberId));
            else if (isUnknownMember)
            {
                ConvertToClassic(group);
                JoinNewMember(group, join, reply);
            }
            else
                JoinExistingMember(group, join, reply);
        }
        return reply.Task;
    }

    /// <summary>A JoinGroup with what the coordinator derives from it: deduplicated protocols and the effective rebalance timeout.</summary>
    private sealed record JoinRequest(JoinGroupRequest Request, GroupClient Client)
    {
        public IReadOnlyList<MemberProtocol> Protocols { get; } =
            [.. Request.Protocols.DistinctBy(p => p.Name, StringComparer.Ordinal).Select(p => new MemberProtocol(p.Name, p.Metadata))];

        /// <summary>
        /// v0 has no rebalance timeout: the session timeout serves as both (Kafka's JoinGroupRequest). From v1 the value
        /// is taken as sent, 0 and below included, as Kafka takes it.
        /// </summary>
        public int RebalanceTimeoutMs => Client.ApiVersion == 0 ? Request.SessionTimeoutMs : Request.RebalanceTimeoutMs;

        public string? InstanceId => Request.GroupInstanceId;
    }

    private static JoinGroupResponse JoinError(ErrorCode error, string memberId)
        => new() { ErrorCode = (short)error, MemberId = memberId, ProtocolName = null };

    /// <summary>The reply for the current generation; only the leader gets the member list.</summary>
    private static JoinGroupResponse CurrentGeneration(ClassicGroup group, string memberId, bool withMembers, string? leader = null, bool skipAssignment = false) => new()
    {
        MemberId = memberId,
        GenerationId = group.GenerationId,
        ProtocolType = group.ProtocolType,
        ProtocolName = group.ProtocolName,
        Leader = leader ?? group.LeaderId ?? "",
        SkipAssignment = skipAssignment,
        Members = withMembers ? group.CurrentMembersForLeader() : [],
    };

    /// <summary>Kafka's group.max.size check: existing (or already waiting) members always pass.</summary>
    private bool AcceptsJoiningMember(ClassicGroup group, string memberId) => group.State switch
    {
        GroupState.Empty or GroupState.Dead => true,
        GroupState.PreparingRebalance => (group.HasMember(memberId) && group.Member(memberId).IsAwaitingJoin)
            || group.NumMembersAwaitingJoin < _config.MaxSize,
        _ => group.HasMember(memberId) || group.MemberCount < _config.MaxSize,
    };

    private void JoinNewMember(ClassicGroup group, JoinRequest join, TaskCompletionSource<JoinGroupResponse> reply)
    {
        var newMemberId = ClassicGroup.NewMemberId(join.Client.ClientId, join.InstanceId);
        if (join.InstanceId is { } instanceId)
        {
            if (group.StaticMemberId(instanceId) is { } existing)
                RejoinStaticMember(group, join, existing, newMemberId, reply);
            else
                AddMemberAndRebalance(group, join, newMemberId, reply);
        }
        else if (join.Client.ApiVersion >= 4)
        {
            // KIP-394: the member learns its id first, so a retried JoinGroup cannot leave a second member behind.
            group.AddPendingMember(newMemberId);
            group.Timers.Schedule(GroupTimers.Heartbeat(newMemberId), join.Request.SessionTimeoutMs, () => ExpireHeartbeat(group, newMemberId));
            reply.SetResult(JoinError(ErrorCode.MemberIdRequired, newMemberId));
        }
        else
        {
            AddMemberAndRebalance(group, join, newMemberId, reply);
        }
    }

    private void JoinExistingMember(ClassicGroup group, JoinRequest join, TaskCompletionSource<JoinGroupResponse> reply)
    {
        var memberId = join.Request.MemberId;
        if (group.IsPendingMember(memberId) && join.InstanceId is null)
        {
            AddMemberAndRebalance(group, join, memberId, reply);
            return;
        }
        var invalid = group.ValidateMember(memberId, join.InstanceId);
        if (invalid != ErrorCode.None)
        {
            reply.SetResult(JoinError(invalid, memberId));
            return;
        }
        var member = group.Member(memberId);
        switch (group.State)
        {
            case GroupState.PreparingRebalance:
                UpdateMemberAndRebalance(group, member, join, reply, "member rejoined during the rebalance");
                break;
            case GroupState.CompletingRebalance when member.Matches(join.Protocols):
                // The member missed its JoinGroup reply: give it the current generation again.
                reply.SetResult(CurrentGeneration(group, memberId, withMembers: group.IsLeader(memberId)));
                break;
            case GroupState.CompletingRebalance:
                UpdateMemberAndRebalance(group, member, join, reply, "member changed its metadata");
                break;
            case GroupState.Stable when group.IsLeader(memberId) || !member.Matches(join.Protocols):
                // The leader rejoins to make the group reassign (e.g. partitions were added to a subscribed topic).
                UpdateMemberAndRebalance(group, member, join, reply, group.IsLeader(memberId) ? "the leader rejoined" : "member changed its metadata");
                break;
            case GroupState.Stable:
                reply.SetResult(CurrentGeneration(group, memberId, withMembers: false));
                break;
            default:
                reply.SetResult(JoinError(ErrorCode.UnknownMemberId, memberId));
                break;
        }
    }

    private void AddMemberAndRebalance(ClassicGroup group, JoinRequest join, string memberId, TaskCompletionSource<JoinGroupResponse> reply)
    {
        var request = join.Request;
        var member = new GroupMember(memberId, join.InstanceId, join.Client.ClientId, join.Client.ClientHost,
            join.RebalanceTimeoutMs, request.SessionTimeoutMs, request.ProtocolType, join.Protocols);
        member.IsNew = true;
        if (group.Is(GroupState.PreparingRebalance) && group.PreviousState == GroupState.Empty)
            group.NewMemberAdded = true;
        group.Add(member, reply);
        // A new member cannot heartbeat while its JoinGroup is parked, so it gets a generous deadline instead.
        ScheduleHeartbeat(group, member, _config.NewMemberJoinTimeoutMs);
        PrepareRebalanceOrCompleteJoin(group, $"member {memberId} joined");
    }

    private void UpdateMemberAndRebalance(ClassicGroup group, GroupMember member, JoinRequest join, TaskCompletionSource<JoinGroupResponse> reply, string reason)
    {
        group.UpdateMember(member, join.Protocols, join.RebalanceTimeoutMs, join.Request.SessionTimeoutMs, reply);
        PrepareRebalanceOrCompleteJoin(group, reason);
    }

    /// <summary>
    /// A static member restarted (unknown member id, known instance id). In a Stable group whose protocol would
    /// not change, it takes over its old assignment without a rebalance: the group metadata is stored with the new
    /// member id, and the reply names the old leader id (so a restarted leader does not reassign) unless the client
    /// speaks v9, which is told to skip the assignment instead (KIP-814).
    /// </summary>
    private void RejoinStaticMember(ClassicGroup group, JoinRequest join, string oldMemberId, string newMemberId, TaskCompletionSource<JoinGroupResponse> reply)
    {
        var previousLeader = group.LeaderId;
        var member = group.ReplaceStaticMember(join.InstanceId!, oldMemberId, newMemberId);
        ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
        var (oldProtocols, oldRebalanceTimeout, oldSessionTimeout) = (member.Protocols, member.RebalanceTimeoutMs, member.SessionTimeoutMs);
        group.UpdateMember(member, join.Protocols, join.RebalanceTimeoutMs, join.Request.SessionTimeoutMs, reply);
        switch (group.State)
        {
            case GroupState.Stable when group.ProtocolName == group.SelectProtocol():
                _logger.LogInformation("Static member {Instance} of group {Group} rejoined as {Member} without a rebalance", join.InstanceId, group.GroupId, newMemberId);
                WhenWritten(group, Append(group, [MetadataRecord(group)]), error =>
                {
                    // Unloaded meanwhile: the unload answered the parked reply already.
                    if (group.Is(GroupState.Dead))
                        return;
                    if (error != ErrorCode.None)
                    {
                        group.UpdateMember(member, oldProtocols, oldRebalanceTimeout, oldSessionTimeout, null);
                        var restored = group.ReplaceStaticMember(join.InstanceId!, newMemberId, oldMemberId);
                        ScheduleHeartbeat(group, restored, restored.SessionTimeoutMs);
                        reply.TrySetResult(JoinError(GroupWriteErrors.ForGroupMetadata(error), ""));
                        return;
                    }
                    var skip = join.Client.ApiVersion >= 9 && group.IsLeader(newMemberId);
                    group.CompleteJoin(member, skip
                        ? CurrentGeneration(group, newMemberId, withMembers: true, skipAssignment: true)
                        : CurrentGeneration(group, newMemberId, withMembers: false, leader: previousLeader));
                });
                break;
            case GroupState.Stable:
                PrepareRebalanceOrCompleteJoin(group, $"static member {join.InstanceId} rejoined with a change of protocol");
                break;
            case GroupState.CompletingRebalance:
                // The leader may already be assigning to the old member id: only a new generation is consistent.
                PrepareRebalance(group, $"static member {join.InstanceId} rejoined while the group was completing a rebalance");
                break;
            default:
                MaybeCompleteJoinPhase(group);
                break;
        }
    }
}
