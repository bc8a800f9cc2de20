using Runnel.Protocol.Messages;

namespace Runnel.Broker.Groups;

/// <summary>One protocol a member can use (an assignor name for consumers) with its opaque metadata (the subscription).</summary>
internal sealed record MemberProtocol(string Name, byte[] Metadata);

/// <summary>
/// A member of a classic group: who it is, the protocols it offers, its assignment, and the JoinGroup or
/// SyncGroup reply it is waiting for. Changed only under its group's lock.
/// </summary>
internal sealed class GroupMember(
    string memberId, string? groupInstanceId, string clientId, string clientHost,
    int rebalanceTimeoutMs, int sessionTimeoutMs, string protocolType, IReadOnlyList<MemberProtocol> protocols)
{
    public string MemberId { get; } = memberId;

    /// <summary>group.instance.id of a static member, which keeps its identity (and assignment) across restarts.</summary>
    public string? GroupInstanceId { get; } = groupInstanceId;

    public bool IsStatic => GroupInstanceId is not null;

    public string ClientId { get; } = clientId;

    public string ClientHost { get; } = clientHost;

    public int RebalanceTimeoutMs { get; set; } = rebalanceTimeoutMs;

    public int SessionTimeoutMs { get; set; } = sessionTimeoutMs;

    public string ProtocolType { get; } = protocolType;

    /// <summary>In the member's order of preference.</summary>
    public IReadOnlyList<MemberProtocol> Protocols { get; set; } = protocols;

    /// <summary>The leader's assignment bytes for this member, passed through untouched.</summary>
    public byte[] Assignment { get; set; } = [];

    public TaskCompletionSource<JoinGroupResponse>? PendingJoin { get; set; }

    public TaskCompletionSource<SyncGroupResponse>? PendingSync { get; set; }

    /// <summary>Joined but not yet through a completed join phase; such a member expires even while waiting.</summary>
    public bool IsNew { get; set; }

    public bool IsAwaitingJoin => PendingJoin is not null;

    public bool IsAwaitingSync => PendingSync is not null;

    /// <summary>
    /// Whether a heartbeat deadline passing should be forgiven: members parked in JoinGroup or SyncGroup cannot
    /// heartbeat, so they count as alive — except new members, which a lost JoinGroup must not keep forever.
    /// </summary>
    public bool HasSatisfiedHeartbeat => !IsNew && (IsAwaitingJoin || IsAwaitingSync);

    /// <summary>The metadata this member sent for <paramref name="protocol"/>.</summary>
    public byte[] Metadata(string? protocol)
        => Protocols.FirstOrDefault(p => p.Name == protocol)?.Metadata ?? [];

    /// <summary>This member's most preferred protocol among <paramref name="candidates"/>.</summary>
    public string Vote(IReadOnlySet<string> candidates)
        => Protocols.First(p => candidates.Contains(p.Name)).Name;

    /// <summary>Same protocols, same order, same metadata bytes: a rejoin that changes nothing.</summary>
    public bool Matches(IReadOnlyList<MemberProtocol> protocols)
        => protocols.Count == Protocols.Count
           && protocols.Zip(Protocols).All(pair => pair.First.Name == pair.Second.Name && pair.First.Metadata.AsSpan().SequenceEqual(pair.Second.Metadata));

    /// <summary>A copy under a new member id, as when a static member restarts and replaces its old incarnation.</summary>
    public GroupMember WithMemberId(string newMemberId)
    {
        var replacement = new GroupMember(newMemberId, GroupInstanceId, ClientId, ClientHost, RebalanceTimeoutMs, SessionTimeoutMs, ProtocolType, Protocols);
        replacement.Assignment = Assignment;
        return replacement;
    }
}
