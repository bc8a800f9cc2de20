using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Groups;

/// <summary>SyncGroup, Heartbeat and LeaveGroup.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// Followers' SyncGroups wait for the leader's; the leader's assignment (the bytes untouched, an empty one for
    /// any member it left out) is stored with the group metadata and then handed to every member, and the group
    /// becomes Stable. In a Stable group SyncGroup just returns the member's assignment.
    /// </summary>
    public Task<SyncGroupResponse> SyncAsync(SyncGroupRequest request)
    {
        if (request.GroupId.Length == 0)
            return Task.FromResult(SyncError(ErrorCode.InvalidGroupId));
        var status = Locate(request.GroupId, out var partition);
        // A loading coordinator lost the rebalance in progress: REBALANCE_IN_PROGRESS sends the member back to JoinGroup
        // here, and older clients do not know COORDINATOR_LOAD_IN_PROGRESS in SyncGroup (Kafka answers the same).
        if (status != ErrorCode.None)
            return Task.FromResult(SyncError(status == ErrorCode.CoordinatorLoadInProgress ? ErrorCode.RebalanceInProgress : status));
        if (partition.Groups.GetValueOrDefault(request.GroupId) is not { } group)
            return Task.FromResult(SyncError(ErrorCode.UnknownMemberId));
        var reply = new TaskCompletionSource<SyncGroupResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (group)
        {
            var invalid = ValidateSync(group, request);
            if (invalid != ErrorCode.None)
                reply.SetResult(SyncError(invalid));
            else if (group.Is(GroupState.PreparingRebalance))
                reply.SetResult(SyncError(ErrorCode.RebalanceInProgress));
            else if (group.Is(GroupState.CompletingRebalance))
            {
                group.Member(request.MemberId).PendingSync = reply;
                RemovePendingSyncMember(group, request.MemberId);
                if (group.IsLeader(request.MemberId))
                    AcceptAssignment(group, request);
            }
            else
            {
                RemovePendingSyncMember(group, request.MemberId);
                reply.SetResult(new SyncGroupResponse
                {
                    ProtocolType = group.ProtocolType,
                    ProtocolName = group.ProtocolName,
                    Assignment = group.Member(request.MemberId).Assignment,
                });
            }
        }
        return reply.Task;
    }

    private static SyncGroupResponse SyncError(ErrorCode error) => new() { ErrorCode = (short)error };

    private static ErrorCode ValidateSync(ClassicGroup group, SyncGroupRequest request)
    {
        if (group.Is(GroupState.Empty))
            return ErrorCode.UnknownMemberId;
        if (group.Is(GroupState.Dead))
            return ErrorCode.CoordinatorNotAvailable;
        var invalid = group.ValidateMember(request.MemberId, request.GroupInstanceId);
        if (invalid != ErrorCode.None)
            return invalid;
        if (request.GenerationId != group.GenerationId)
            return ErrorCode.IllegalGeneration;
        // v5 names the protocol type and name the member believes in; a mismatch means it joined another generation's protocol.
        if ((request.ProtocolType is not null && group.ProtocolType is not null && request.ProtocolType != group.ProtocolType)
            || (request.ProtocolName is not null && group.ProtocolName is not null && request.ProtocolName != group.ProtocolName))
            return ErrorCode.InconsistentGroupProtocol;
        return ErrorCode.None;
    }

    private void AcceptAssignment(ClassicGroup group, SyncGroupRequest request)
    {
        var assignment = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in request.Assignments)
            assignment[entry.MemberId] = entry.Assignment;
        var generation = request.GenerationId;
        byte[] AssignmentOf(GroupMember m) => assignment.GetValueOrDefault(m.MemberId) ?? [];
        WhenWritten(group, Append(group, [MetadataRecord(group, AssignmentOf)]), error =>
        {
            // A member may have joined while the write was under way; only the generation it was for may use it.
            if (!group.Is(GroupState.CompletingRebalance) || group.GenerationId != generation)
                return;
            if (error != ErrorCode.None)
            {
                ResetAndPropagateAssignment(group, GroupWriteErrors.ForGroupMetadata(error));
                PrepareRebalanceOrCompleteJoin(group, "the assignment could not be stored");
                return;
            }
            foreach (var member in group.Members)
                member.Assignment = AssignmentOf(member);
            PropagateAssignment(group, ErrorCode.None);
            group.TransitionTo(GroupState.Stable);
            _logger.LogInformation("Group {Group} generation {Generation} is stable with its assignment", group.GroupId, generation);
        });
    }

    private static void RemovePendingSyncMember(ClassicGroup group, string memberId)
    {
        group.RemovePendingSyncMember(memberId);
        if (group.HasReceivedSyncFromAllMembers || !(group.Is(GroupState.CompletingRebalance) || group.Is(GroupState.Stable)))
            group.Timers.Cancel(GroupTimers.Sync);
    }

    /// <summary>Keeps a member's session alive; during a rebalance the answer tells it to rejoin.</summary>
    public ErrorCode Heartbeat(HeartbeatRequest request)
    {
        if (request.GroupId.Length == 0)
            return ErrorCode.InvalidGroupId;
        var status = Locate(request.GroupId, out var partition);
        // While the partition loads, Kafka answers heartbeats blindly: the member keeps its session and learns of any
        // rebalance from a later heartbeat.
        if (status != ErrorCode.None)
            return status == ErrorCode.CoordinatorLoadInProgress ? ErrorCode.None : status;
        if (partition.Groups.GetValueOrDefault(request.GroupId) is not { } group)
            return ErrorCode.UnknownMemberId;
        lock (group)
        {
            if (group.Is(GroupState.Dead))
                return ErrorCode.CoordinatorNotAvailable;
            var invalid = group.ValidateMember(request.MemberId, request.GroupInstanceId);
            if (invalid != ErrorCode.None)
                return invalid;
            if (request.GenerationId != group.GenerationId)
                return ErrorCode.IllegalGeneration;
            if (group.Is(GroupState.Empty))
                return ErrorCode.UnknownMemberId;
            var member = group.Member(request.MemberId);
            ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
            return group.Is(GroupState.PreparingRebalance) ? ErrorCode.RebalanceInProgress : ErrorCode.None;
        }
    }

    /// <summary>
    /// Removes members at once (v3+ may name several, or a static member by instance id alone) and rebalances
    /// the rest. Returns the group-level error and one result per member named.
    /// </summary>
    public (ErrorCode Error, List<LeaveGroupResponse.MemberResponse> Members) Leave(string groupId, IReadOnlyList<LeaveGroupRequest.MemberIdentity> leaving)
    {
        if (groupId.Length == 0)
            return (ErrorCode.InvalidGroupId, []);
        var status = Locate(groupId, out var partition);
        if (status != ErrorCode.None)
            return (status, []);
        if (partition.Groups.GetValueOrDefault(groupId) is not { } group)
            return (ErrorCode.UnknownMemberId, []);
        lock (group)
        {
            if (group.Is(GroupState.Dead))
                return (ErrorCode.CoordinatorNotAvailable, []);
            var results = new List<LeaveGroupResponse.MemberResponse>();
            var left = new List<string>();
            foreach (var identity in leaving)
            {
                var error = LeaveOne(group, identity, out var removed);
                if (removed is not null)
                    left.Add(removed);
                results.Add(new LeaveGroupResponse.MemberResponse { MemberId = identity.MemberId, GroupInstanceId = identity.GroupInstanceId, ErrorCode = (short)error });
            }
            if (left.Count > 0)
            {
                _logger.LogInformation("Members {Members} left group {Group}", string.Join(", ", left), groupId);
                if (group.Is(GroupState.Stable) || group.Is(GroupState.CompletingRebalance))
                    PrepareRebalanceOrCompleteJoin(group, $"members {string.Join(", ", left)} left");
                else if (group.Is(GroupState.PreparingRebalance))
                    MaybeCompleteJoinPhase(group);
            }
            return (ErrorCode.None, results);
        }
    }

    private static ErrorCode LeaveOne(ClassicGroup group, LeaveGroupRequest.MemberIdentity identity, out string? removed)
    {
        removed = null;
        if (identity.MemberId.Length == 0)
        {
            // An administrator removes a static member by its instance id.
            if (identity.GroupInstanceId is null || group.StaticMemberId(identity.GroupInstanceId) is not { } staticId)
                return ErrorCode.UnknownMemberId;
            removed = staticId;
        }
        else if (group.IsPendingMember(identity.MemberId))
        {
            group.Remove(identity.MemberId);
            removed = identity.MemberId;
            return ErrorCode.None;
        }
        else
        {
            var invalid = group.ValidateMember(identity.MemberId, identity.GroupInstanceId);
            if (invalid != ErrorCode.None)
                return invalid;
            removed = identity.MemberId;
        }
        RemoveMember(group, group.Member(removed));
        return ErrorCode.None;
    }
}
