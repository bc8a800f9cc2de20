namespace Runnel.Broker.Groups;

/// <summary>The group as its metadata record stores it, and back.</summary>
internal sealed partial class ClassicGroup
{
    /// <summary>Kafka's GroupMetadataValue for this group, each member's subscription being its chosen-protocol metadata.</summary>
    public StoredGroup ToStored(Func<GroupMember, byte[]> assignmentOf) => new(
        ProtocolType ?? "", GenerationId, ProtocolName, LeaderId, CurrentStateTimestampMs,
        [.. _members.Values.Select(m => new StoredMember(m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost,
            m.RebalanceTimeoutMs, m.SessionTimeoutMs, m.Metadata(ProtocolName), assignmentOf(m)))]);

    /// <summary>
    /// Restores a group read from the log at start-up: Empty without members, else Stable with the stored members,
    /// which keep their generation and assignments if they heartbeat again within their session timeout.
    /// </summary>
    public void Restore(StoredGroup stored)
    {
        GenerationId = stored.Generation;
        ProtocolType = stored.ProtocolType.Length == 0 ? null : stored.ProtocolType;
        ProtocolName = stored.Protocol;
        CurrentStateTimestampMs = stored.CurrentStateTimestampMs;
        foreach (var m in stored.Members)
        {
            var protocols = ProtocolName is null ? Array.Empty<MemberProtocol>() : [new MemberProtocol(ProtocolName, m.Subscription)];
            var member = new GroupMember(m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost, m.RebalanceTimeoutMs, m.SessionTimeoutMs,
                stored.ProtocolType, protocols);
            member.Assignment = m.Assignment;
            Add(member, pendingJoin: null);
        }
        if (stored.Leader is not null && HasMember(stored.Leader))
            LeaderId = stored.Leader;
        // Add took the members' protocol type; a stored "" means a simple group.
        ProtocolType = stored.ProtocolType.Length == 0 ? null : stored.ProtocolType;
        State = _members.Count == 0 ? GroupState.Empty : GroupState.Stable;
        PreviousState = State;
        RefreshSubscribedTopics();
    }
}
