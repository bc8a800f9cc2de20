namespace Runnel.Broker.Groups.Modern;

/// <summary>One member as an assignor sees it: who it is, what it subscribes to (topic ids) and its current target.</summary>
internal sealed record AssignmentMember(string MemberId, string? InstanceId, IReadOnlySet<Guid> SubscribedTopicIds, PartitionAssignment CurrentTarget);

/// <summary>
/// A server-side assignor (Kafka's ConsumerGroupPartitionAssignor): from the members and the partition count of each
/// subscribed topic, the target assignment of every member. It must give each partition of a subscribed topic to
/// exactly one member subscribed to it, and no partition to anyone else.
/// </summary>
internal interface IConsumerGroupAssignor
{
    string Name { get; }

    Dictionary<string, PartitionAssignment> Assign(IReadOnlyList<AssignmentMember> members, IReadOnlyDictionary<Guid, int> partitionCounts);
}

/// <summary>The assignors a broker offers, by name (group.consumer.assignors; the first is the default).</summary>
internal static class ConsumerGroupAssignors
{
    public static IConsumerGroupAssignor? Find(string name) => name switch
    {
        UniformAssignor.AssignorName => UniformAssignor.Instance,
        RangeAssignor.AssignorName => RangeAssignor.Instance,
        _ => null,
    };

    /// <summary>Kafka's member order for deterministic assignors: static members by instance id first, then dynamic ones by member id.</summary>
    public static List<AssignmentMember> Sorted(IEnumerable<AssignmentMember> members)
        => [.. members.OrderBy(m => m.InstanceId is null ? 1 : 0).ThenBy(m => m.InstanceId ?? m.MemberId, StringComparer.Ordinal)];
}
