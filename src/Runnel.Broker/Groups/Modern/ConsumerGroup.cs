using Runnel.Metadata.Image;

namespace Runnel.Broker.Groups.Modern;

/// <summary>A subscribed topic as the group last saw it (Kafka's TopicMetadata of the subscription metadata).</summary>
internal readonly record struct SubscribedTopic(Guid TopicId, string Name, int NumPartitions);

/// <summary>
/// The KIP-848 state of a consumer group (Kafka's ConsumerGroup): the group epoch (bumped by every change of members,
/// subscriptions or subscribed topics), the target assignment and its epoch, and the members with their current
/// assignments. Lives inside its <see cref="ClassicGroup"/> container, whose lock guards it and whose offsets and timers
/// it uses. Invariant: a partition is in the current assignment (assigned or pending revocation) of at most one member;
/// <see cref="PartitionEpoch"/> answers from that.
/// </summary>
internal sealed class ConsumerGroup
{
    private readonly Dictionary<string, ConsumerGroupMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _staticMembers = new(StringComparer.Ordinal);
    private readonly Dictionary<(Guid, int), int> _partitionEpochs = [];

    public int GroupEpoch { get; set; }

    public int AssignmentEpoch { get; set; }

    /// <summary>The assignor that computed the target assignment (not persisted: Kafka derives it from the members too).</summary>
    public string? AssignorName { get; set; }

    /// <summary>Each member's target assignment of <see cref="AssignmentEpoch"/>.</summary>
    public Dictionary<string, PartitionAssignment> TargetAssignment { get; } = new(StringComparer.Ordinal);

    /// <summary>The subscribed topics by name as of the last group epoch bump.</summary>
    public Dictionary<string, SubscribedTopic> SubscriptionMetadata { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The metadata image the subscription metadata was last computed from, so unchanged images are skipped.</summary>
    public TopicsImage? MetadataSeen { get; set; }

    public IReadOnlyCollection<ConsumerGroupMember> Members => _members.Values;

    public int MemberCount => _members.Count;

    public ConsumerGroupMember? Member(string memberId) => _members.GetValueOrDefault(memberId);

    public ConsumerGroupMember? StaticMember(string instanceId)
        => _staticMembers.TryGetValue(instanceId, out var memberId) ? _members.GetValueOrDefault(memberId) : null;

    /// <summary>Kafka's ConsumerGroup state: EMPTY, ASSIGNING, RECONCILING or STABLE.</summary>
    public string StateName => _members.Count == 0 ? "Empty"
        : GroupEpoch > AssignmentEpoch ? "Assigning"
        : _members.Values.Any(m => !m.IsReconciledTo(AssignmentEpoch)) ? "Reconciling"
        : "Stable";

    /// <summary>The epoch of the member owning the partition now (assigned or being revoked), -1 when nobody does.</summary>
    public int PartitionEpoch(Guid topicId, int partition) => _partitionEpochs.GetValueOrDefault((topicId, partition), -1);

    public PartitionAssignment TargetOf(string memberId) => TargetAssignment.GetValueOrDefault(memberId) ?? PartitionAssignment.Empty;

    /// <summary>Adds or replaces a member, keeping the owned-partition index and the instance id map in step.</summary>
    public void Put(ConsumerGroupMember member)
    {
        if (_members.Remove(member.MemberId, out var old))
            Release(old);
        _members[member.MemberId] = member;
        if (member.InstanceId is { } instanceId)
            _staticMembers[instanceId] = member.MemberId;
        foreach (var p in member.AssignedPartitions.All.Concat(member.PartitionsPendingRevocation.All))
        {
            if (_partitionEpochs.TryGetValue(p, out var epoch))
                throw new InvalidOperationException($"Partition {p} of member {member.MemberId} is owned by another member in epoch {epoch}.");
            _partitionEpochs[p] = member.MemberEpoch;
        }
    }

    public void Remove(string memberId)
    {
        if (!_members.Remove(memberId, out var old))
            return;
        Release(old);
        if (old.InstanceId is { } instanceId && _staticMembers.GetValueOrDefault(instanceId) == memberId)
            _staticMembers.Remove(instanceId);
    }

    private void Release(ConsumerGroupMember member)
    {
        foreach (var p in member.AssignedPartitions.All.Concat(member.PartitionsPendingRevocation.All))
            _partitionEpochs.Remove(p);
    }

    /// <summary>The topics the members subscribe to (names and regex matches) as they are in <paramref name="topics"/>.</summary>
    public static Dictionary<string, SubscribedTopic> ComputeSubscriptionMetadata(IEnumerable<ConsumerGroupMember> members, TopicsImage topics)
    {
        var result = new Dictionary<string, SubscribedTopic>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            foreach (var name in SubscribedTopics(member, topics))
            {
                if (topics.Find(name) is { } topic)
                    result[name] = new SubscribedTopic(topic.Id, name, topic.PartitionCount);
            }
        }
        return result;
    }

    /// <summary>The names a member subscribes to: its names, and the existing topics its regex matches in full.</summary>
    public static IEnumerable<string> SubscribedTopics(ConsumerGroupMember member, TopicsImage topics)
    {
        foreach (var name in member.SubscribedTopicNames)
            yield return name;
        if (member.SubscribedTopicRegex is { } regex && SubscriptionPattern.TryParse(regex, out var pattern, out _))
        {
            foreach (var name in topics.ByName.Keys)
            {
                if (!name.StartsWith("__", StringComparison.Ordinal) && pattern.IsMatch(name))
                    yield return name;
            }
        }
    }
}
