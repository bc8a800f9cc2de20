using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Groups;

/// <summary>Protocol choice (a protocol every member lists, by vote) and the subscriptions it implies.</summary>
internal sealed partial class ClassicGroup
{
    private readonly Dictionary<string, int> _supportedProtocols = new(StringComparer.Ordinal);

    /// <summary>Topics the members subscribe to, from their consumer-protocol metadata; null when not known.</summary>
    public IReadOnlySet<string>? SubscribedTopics { get; private set; }

    /// <summary>
    /// Whether a member offering <paramref name="protocols"/> can join: an empty group takes any non-empty offer;
    /// otherwise the protocol type must match and at least one protocol must be listed by every current member.
    /// </summary>
    public bool SupportsProtocols(string protocolType, IReadOnlyList<MemberProtocol> protocols)
    {
        if (Is(GroupState.Empty))
            return protocolType.Length > 0 && protocols.Count > 0;
        return ProtocolType == protocolType && protocols.Any(p => _supportedProtocols.GetValueOrDefault(p.Name) == _members.Count);
    }

    /// <summary>
    /// Every member votes for its most preferred protocol among those all members list; most votes wins, ties
    /// going to the protocol the leader prefers so the choice is deterministic.
    /// </summary>
    public string SelectProtocol()
    {
        var candidates = _supportedProtocols.Where(p => p.Value == _members.Count).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var votes = _members.Values.GroupBy(m => m.Vote(candidates)).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var preference = (LeaderId is null ? _members.Values.First() : _members[LeaderId]).Protocols.Select(p => p.Name).ToList();
        return votes.OrderByDescending(v => v.Value).ThenBy(v => preference.IndexOf(v.Key) is var i && i < 0 ? int.MaxValue : i)
            .First().Key;
    }

    /// <summary>Starts the next generation: CompletingRebalance with a chosen protocol, or Empty when nobody is left.</summary>
    public void InitNextGeneration()
    {
        GenerationId++;
        ProtocolName = _members.Count > 0 ? SelectProtocol() : null;
        SubscribedTopics = ComputeSubscribedTopics();
        TransitionTo(_members.Count > 0 ? GroupState.CompletingRebalance : GroupState.Empty);
        ClearPendingSyncMembers();
    }

    /// <summary>The member list the leader receives in its JoinGroup reply: ids with their metadata for the chosen protocol.</summary>
    public List<JoinGroupResponse.JoinGroupResponseMember> CurrentMembersForLeader()
        => [.. _members.Values.Select(m => new JoinGroupResponse.JoinGroupResponseMember
        {
            MemberId = m.MemberId,
            GroupInstanceId = m.GroupInstanceId,
            Metadata = m.Metadata(ProtocolName),
        })];

    /// <summary>
    /// Whether offsets of <paramref name="topic"/> are in use: by subscription when known; when unknown, a
    /// consumer group is assumed to use every topic and any other group none.
    /// </summary>
    public bool IsSubscribedToTopic(string topic)
        => SubscribedTopics?.Contains(topic) ?? ProtocolType == ConsumerProtocol.ProtocolType;

    /// <summary>Restores the subscription view after loading members from the log.</summary>
    public void RefreshSubscribedTopics() => SubscribedTopics = ComputeSubscribedTopics();

    private HashSet<string>? ComputeSubscribedTopics()
    {
        if (ProtocolType != ConsumerProtocol.ProtocolType)
            return null;
        if (_members.Count == 0)
            return [];
        if (ProtocolName is null)
            return null;
        var topics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in _members.Values)
        {
            var subscription = ConsumerProtocol.ReadSubscription(member.Metadata(ProtocolName), out _);
            if (subscription is null)
                return null;
            topics.UnionWith(subscription.Topics);
        }
        return topics;
    }

    private void AddSupportedProtocols(GroupMember member)
    {
        foreach (var protocol in member.Protocols)
            _supportedProtocols[protocol.Name] = _supportedProtocols.GetValueOrDefault(protocol.Name) + 1;
    }

    private void RemoveSupportedProtocols(GroupMember member)
    {
        foreach (var protocol in member.Protocols)
            _supportedProtocols[protocol.Name] = _supportedProtocols.GetValueOrDefault(protocol.Name) - 1;
    }
}
