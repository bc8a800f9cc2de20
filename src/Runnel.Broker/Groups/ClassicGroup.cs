using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Groups;

/// <summary>
/// A classic group: members, generation, chosen protocol, leader and committed offsets. Every field is read and
/// changed under the group's own lock (<c>lock (group)</c>), which the coordinator takes for each request and timer;
/// replies are completed under the lock but run their continuations elsewhere.
/// Invariants: <see cref="NumMembersAwaitingJoin"/> counts members with a pending JoinGroup; a static member's
/// instance id maps to exactly one member id; the leader, when set, is a member.
/// </summary>
internal sealed partial class ClassicGroup
{
    private readonly OrderedDictionary<string, GroupMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _staticMembers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pendingJoinMembers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pendingSyncMembers = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public ClassicGroup(string groupId, TimeProvider time)
    {
        GroupId = groupId;
        _time = time;
        Timers = new GroupTimers(time, this);
        CurrentStateTimestampMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    public string GroupId { get; }

    public GroupState State { get; private set; } = GroupState.Empty;

    public GroupState PreviousState { get; private set; } = GroupState.Empty;

    /// <summary>When the group entered its current state (the base for expiring an empty group's offsets).</summary>
    public long CurrentStateTimestampMs { get; set; }

    public int GenerationId { get; set; }

    /// <summary>"consumer" for consumer groups; null for a group that only stores offsets (a "simple" group).</summary>
    public string? ProtocolType { get; set; }

    /// <summary>The protocol (assignor) chosen for the current generation.</summary>
    public string? ProtocolName { get; set; }

    public string? LeaderId { get; private set; }

    public int NumMembersAwaitingJoin { get; private set; }

    /// <summary>Set when a member joins during the initial rebalance, which then waits one more delay.</summary>
    public bool NewMemberAdded { get; set; }

    public GroupTimers Timers { get; }

    public GroupOffsets Offsets { get; } = new();

    /// <summary>
    /// The KIP-848 state when this is a consumer group (ConsumerGroupHeartbeat members); null for a classic or simple group.
    /// A consumer group has no classic members and stays in the classic state Empty; this object is then only the container
    /// of its lock, timers and offsets.
    /// </summary>
    public Modern.ConsumerGroup? Consumer { get; set; }

    /// <summary>Kafka's group type: "consumer" for a KIP-848 group, else "classic".</summary>
    public string GroupType => Consumer is null ? "classic" : "consumer";

    /// <summary>Offsets of producers' transactions not yet ended (TxnOffsetCommit), kept apart from <see cref="Offsets"/>.</summary>
    public PendingTransactionalOffsets PendingOffsets { get; } = new();

    public IEnumerable<GroupMember> Members => _members.Values;

    public int MemberCount => _members.Count;

    public bool Is(GroupState state) => State == state;

    public bool HasMember(string memberId) => _members.ContainsKey(memberId);

    public GroupMember Member(string memberId) => _members[memberId];

    public bool IsLeader(string memberId) => LeaderId == memberId;

    public bool IsPendingMember(string memberId) => _pendingJoinMembers.Contains(memberId);

    public int PendingJoinCount => _pendingJoinMembers.Count;

    /// <summary>A dynamic member that was handed a member id (MEMBER_ID_REQUIRED) and must join again with it.</summary>
    public void AddPendingMember(string memberId) => _pendingJoinMembers.Add(memberId);

    public string? StaticMemberId(string groupInstanceId) => _staticMembers.GetValueOrDefault(groupInstanceId);

    public bool HasAllMembersJoined => _members.Count == NumMembersAwaitingJoin && _pendingJoinMembers.Count == 0;

    public bool CanRebalance => GroupState.PreparingRebalance.CanEnter(State);

    /// <summary>
    /// The longest rebalance timeout of any member, at least 0 (Kafka's ClassicGroup.rebalanceTimeoutMs): how long a join
    /// phase, and the sync phase after it, may wait. At 0 both end at once: a join phase completes without the members
    /// that have not rejoined, and members that have not sent SyncGroup by then are removed.
    /// </summary>
    public int RebalanceTimeoutMs => _members.Values.Select(m => m.RebalanceTimeoutMs).Append(0).Max();

    public IEnumerable<GroupMember> NotYetRejoinedMembers => _members.Values.Where(m => !m.IsAwaitingJoin);

    public void TransitionTo(GroupState state)
    {
        if (!state.CanEnter(State))
            throw new InvalidOperationException($"Group {GroupId} cannot go from {State.Name()} to {state.Name()}.");
        PreviousState = State;
        State = state;
        CurrentStateTimestampMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    /// <summary>Kafka's member id: the client id (or instance id for static members), a dash and a random UUID.</summary>
    public static string NewMemberId(string clientId, string? groupInstanceId) => $"{groupInstanceId ?? clientId}-{Guid.NewGuid()}";

    public void Add(GroupMember member, TaskCompletionSource<JoinGroupResponse>? pendingJoin)
    {
        if (member.GroupInstanceId is { } instanceId)
            _staticMembers[instanceId] = member.MemberId;
        if (_members.Count == 0)
            ProtocolType = member.ProtocolType;
        LeaderId ??= member.MemberId;
        _members[member.MemberId] = member;
        AddSupportedProtocols(member);
        member.PendingJoin = pendingJoin;
        if (member.IsAwaitingJoin)
            NumMembersAwaitingJoin++;
        _pendingJoinMembers.Remove(member.MemberId);
    }

    /// <summary>Removes a member or a pending member id; a departing leader passes leadership to the oldest member.</summary>
    public void Remove(string memberId)
    {
        if (_members.Remove(memberId, out var removed))
        {
            RemoveSupportedProtocols(removed);
            if (removed.IsAwaitingJoin)
                NumMembersAwaitingJoin--;
            if (removed.GroupInstanceId is { } instanceId)
                _staticMembers.Remove(instanceId);
            Timers.Cancel(GroupTimers.Heartbeat(memberId));
        }
        if (IsLeader(memberId))
            LeaderId = _members.Count > 0 ? _members.GetAt(0).Key : null;
        _pendingJoinMembers.Remove(memberId);
        _pendingSyncMembers.Remove(memberId);
    }

    /// <summary>
    /// A static member came back with a new member id: the old incarnation is fenced (any reply it waits for fails
    /// with FENCED_INSTANCE_ID) and the new one takes its place, keeping its assignment and leadership.
    /// </summary>
    public GroupMember ReplaceStaticMember(string groupInstanceId, string oldMemberId, string newMemberId)
    {
        var old = _members[oldMemberId];
        CompleteJoin(old, new JoinGroupResponse { ErrorCode = (short)ErrorCode.FencedInstanceId, MemberId = oldMemberId, ProtocolName = null });
        CompleteSync(old, new SyncGroupResponse { ErrorCode = (short)ErrorCode.FencedInstanceId });
        _members.Remove(oldMemberId);
        Timers.Cancel(GroupTimers.Heartbeat(oldMemberId));
        var replacement = old.WithMemberId(newMemberId);
        _members[newMemberId] = replacement;
        if (IsLeader(oldMemberId))
            LeaderId = newMemberId;
        _staticMembers[groupInstanceId] = newMemberId;
        return replacement;
    }

    public void UpdateMember(GroupMember member, IReadOnlyList<MemberProtocol> protocols, int rebalanceTimeoutMs, int sessionTimeoutMs,
        TaskCompletionSource<JoinGroupResponse>? pendingJoin)
    {
        RemoveSupportedProtocols(member);
        member.Protocols = protocols;
        AddSupportedProtocols(member);
        member.RebalanceTimeoutMs = rebalanceTimeoutMs;
        member.SessionTimeoutMs = sessionTimeoutMs;
        if (pendingJoin is not null && !member.IsAwaitingJoin)
            NumMembersAwaitingJoin++;
        else if (pendingJoin is null && member.IsAwaitingJoin)
            NumMembersAwaitingJoin--;
        member.PendingJoin = pendingJoin;
    }

    /// <summary>Answers the member's parked JoinGroup, if any; false when it was not waiting.</summary>
    public bool CompleteJoin(GroupMember member, JoinGroupResponse response)
    {
        if (member.PendingJoin is not { } pending)
            return false;
        member.PendingJoin = null;
        NumMembersAwaitingJoin--;
        pending.TrySetResult(response);
        return true;
    }

    /// <summary>Answers the member's parked SyncGroup, if any; false when it was not waiting.</summary>
    public static bool CompleteSync(GroupMember member, SyncGroupResponse response)
    {
        if (member.PendingSync is not { } pending)
            return false;
        member.PendingSync = null;
        pending.TrySetResult(response);
        return true;
    }

    /// <summary>
    /// Keeps the leader if it rejoined, else hands leadership to a member that did. False when nobody rejoined,
    /// so the join phase cannot complete yet.
    /// </summary>
    public bool MaybeElectNewJoinedLeader()
    {
        if (LeaderId is null)
            return false;
        if (_members[LeaderId].IsAwaitingJoin)
            return true;
        var joined = _members.Values.FirstOrDefault(m => m.IsAwaitingJoin);
        if (joined is null)
            return false;
        LeaderId = joined.MemberId;
        return true;
    }

    public void AddPendingSyncMember(string memberId) => _pendingSyncMembers.Add(memberId);

    public void RemovePendingSyncMember(string memberId) => _pendingSyncMembers.Remove(memberId);

    public bool HasReceivedSyncFromAllMembers => _pendingSyncMembers.Count == 0;

    public IReadOnlyCollection<string> PendingSyncMembers => _pendingSyncMembers;

    public void ClearPendingSyncMembers() => _pendingSyncMembers.Clear();

    /// <summary>
    /// Checks a request's member id (and instance id, for static members): FENCED_INSTANCE_ID when the instance
    /// now belongs to another member id, UNKNOWN_MEMBER_ID when the member is not in the group.
    /// </summary>
    public ErrorCode ValidateMember(string memberId, string? groupInstanceId)
    {
        if (groupInstanceId is not null)
        {
            var existing = StaticMemberId(groupInstanceId);
            if (existing is null)
                return ErrorCode.UnknownMemberId;
            if (existing != memberId)
                return ErrorCode.FencedInstanceId;
        }
        return HasMember(memberId) ? ErrorCode.None : ErrorCode.UnknownMemberId;
    }
}
