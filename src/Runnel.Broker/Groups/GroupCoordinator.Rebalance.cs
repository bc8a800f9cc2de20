using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Groups;

/// <summary>
/// The rebalance itself: PreparingRebalance waits (up to the longest rebalance timeout, or the initial delay for
/// an empty group) until every member rejoined, then drops the dynamic members that did not, starts the next
/// generation and answers the parked JoinGroups; CompletingRebalance waits for the leader's SyncGroup, and members
/// that never sync within the rebalance timeout are dropped. Every method here runs under the group's lock.
/// </summary>
internal sealed partial class GroupCoordinator
{
    private void PrepareRebalanceOrCompleteJoin(ClassicGroup group, string reason)
    {
        if (group.CanRebalance)
            PrepareRebalance(group, reason);
        else
            MaybeCompleteJoinPhase(group);
    }

    private void PrepareRebalance(ClassicGroup group, string reason)
    {
        // Members waiting in SyncGroup must rejoin: their generation is over.
        if (group.Is(GroupState.CompletingRebalance))
            ResetAndPropagateAssignment(group, ErrorCode.RebalanceInProgress);
        group.ClearPendingSyncMembers();
        group.Timers.Cancel(GroupTimers.Sync);
        var initial = group.Is(GroupState.Empty);
        if (initial)
        {
            var delay = _config.InitialRebalanceDelayMs;
            var remaining = Math.Max(group.RebalanceTimeoutMs - delay, 0);
            group.Timers.Schedule(GroupTimers.Join, delay, () => CompleteInitialRebalanceOrExtend(group, delay, remaining));
        }
        group.TransitionTo(GroupState.PreparingRebalance);
        _logger.LogInformation("Preparing to rebalance group {Group} (generation {Generation}): {Reason}", group.GroupId, group.GenerationId, reason);
        if (initial)
            return;
        if (group.HasAllMembersJoined)
            CompleteJoin(group);
        else
            group.Timers.Schedule(GroupTimers.Join, group.RebalanceTimeoutMs, () => CompleteJoin(group));
    }

    /// <summary>The initial rebalance waits one more delay each time a member joined during the last one, up to the rebalance timeout.</summary>
    private void CompleteInitialRebalanceOrExtend(ClassicGroup group, int delayMs, int remainingMs)
    {
        if (group.NewMemberAdded && remainingMs != 0)
        {
            group.NewMemberAdded = false;
            var nextDelay = Math.Min(_config.InitialRebalanceDelayMs, remainingMs);
            var nextRemaining = Math.Max(remainingMs - delayMs, 0);
            group.Timers.Schedule(GroupTimers.Join, nextDelay, () => CompleteInitialRebalanceOrExtend(group, nextDelay, nextRemaining));
        }
        else
        {
            CompleteJoin(group);
        }
    }

    /// <summary>Completes the join phase early once every member rejoined; never the initial one, which waits for its delay.</summary>
    private void MaybeCompleteJoinPhase(ClassicGroup group)
    {
        if (group.Is(GroupState.PreparingRebalance) && group.PreviousState != GroupState.Empty && group.HasAllMembersJoined)
            CompleteJoin(group);
    }

    private void CompleteJoin(ClassicGroup group)
    {
        group.Timers.Cancel(GroupTimers.Join);
        foreach (var failed in group.NotYetRejoinedMembers.Where(m => !m.IsStatic).ToList())
            RemoveMember(group, failed);
        if (group.Is(GroupState.Dead))
            return;
        if (!group.MaybeElectNewJoinedLeader() && group.MemberCount > 0)
        {
            // Nobody rejoined: wait another rebalance timeout while session timeouts clear out the silent members.
            group.Timers.Schedule(GroupTimers.Join, group.RebalanceTimeoutMs, () => CompleteJoin(group));
            return;
        }
        group.InitNextGeneration();
        Rebalanced?.Invoke();
        if (group.Is(GroupState.Empty))
        {
            _logger.LogInformation("Group {Group} with generation {Generation} is now empty", group.GroupId, group.GenerationId);
            _ = Append(group, [MetadataRecord(group)]);
            return;
        }
        _logger.LogInformation("Stabilized group {Group} generation {Generation} ({Protocol}) with {Members} members",
            group.GroupId, group.GenerationId, group.ProtocolName, group.MemberCount);
        foreach (var member in group.Members)
        {
            group.CompleteJoin(member, CurrentGeneration(group, member.MemberId, withMembers: group.IsLeader(member.MemberId)));
            ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
            member.IsNew = false;
            group.AddPendingSyncMember(member.MemberId);
        }
        var generation = group.GenerationId;
        group.Timers.Schedule(GroupTimers.Sync, group.RebalanceTimeoutMs, () => ExpirePendingSync(group, generation));
    }

    /// <summary>Members that got the new generation but never sent SyncGroup within the rebalance timeout are dropped.</summary>
    private void ExpirePendingSync(ClassicGroup group, int generation)
    {
        if (generation != group.GenerationId || !(group.Is(GroupState.CompletingRebalance) || group.Is(GroupState.Stable)) || group.HasReceivedSyncFromAllMembers)
            return;
        var silent = group.PendingSyncMembers.ToList();
        foreach (var memberId in silent)
            RemoveMember(group, group.Member(memberId));
        PrepareRebalance(group, $"members {string.Join(", ", silent)} did not send SyncGroup in time");
    }

    private void ScheduleHeartbeat(ClassicGroup group, GroupMember member, long timeoutMs)
        => group.Timers.Schedule(GroupTimers.Heartbeat(member.MemberId), timeoutMs, () => ExpireHeartbeat(group, member.MemberId));

    private void ExpireHeartbeat(ClassicGroup group, string memberId)
    {
        if (group.Is(GroupState.Dead))
            return;
        if (group.IsPendingMember(memberId))
        {
            group.Remove(memberId);
            if (group.Is(GroupState.PreparingRebalance) && group.HasAllMembersJoined)
                CompleteJoin(group);
            return;
        }
        if (!group.HasMember(memberId) || group.Member(memberId).HasSatisfiedHeartbeat)
            return;
        _logger.LogInformation("Member {Member} of group {Group} missed its session timeout; removing it", memberId, group.GroupId);
        RemoveMemberAndUpdateGroup(group, group.Member(memberId), $"member {memberId} missed its session timeout");
    }

    private void RemoveMemberAndUpdateGroup(ClassicGroup group, GroupMember member, string reason)
    {
        RemoveMember(group, member);
        if (group.Is(GroupState.Stable) || group.Is(GroupState.CompletingRebalance))
            PrepareRebalanceOrCompleteJoin(group, reason);
        else if (group.Is(GroupState.PreparingRebalance) && group.HasAllMembersJoined)
            CompleteJoin(group);
    }

    /// <summary>Drops a member, first answering any request it still has parked with UNKNOWN_MEMBER_ID so it rejoins.</summary>
    private static void RemoveMember(ClassicGroup group, GroupMember member)
    {
        group.CompleteJoin(member, JoinError(ErrorCode.UnknownMemberId, ""));
        ClassicGroup.CompleteSync(member, new SyncGroupResponse { ErrorCode = (short)ErrorCode.UnknownMemberId });
        group.Remove(member.MemberId);
    }

    private void ResetAndPropagateAssignment(ClassicGroup group, ErrorCode error)
    {
        foreach (var member in group.Members)
            member.Assignment = [];
        PropagateAssignment(group, error);
    }

    /// <summary>Answers every parked SyncGroup; each answered member's session starts afresh.</summary>
    private void PropagateAssignment(ClassicGroup group, ErrorCode error)
    {
        foreach (var member in group.Members)
        {
            var reply = new SyncGroupResponse
            {
                ErrorCode = (short)error,
                ProtocolType = error == ErrorCode.None ? group.ProtocolType : null,
                ProtocolName = error == ErrorCode.None ? group.ProtocolName : null,
                Assignment = member.Assignment,
            };
            if (ClassicGroup.CompleteSync(member, reply))
                ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
        }
    }
}
