namespace Runnel.Broker.Groups.Modern;

/// <summary>
/// Kafka's server-side RangeAssignor: per topic, its subscribers (sorted: static members by instance id, then dynamic
/// ones by member id) get consecutive ranges of partitions, the first <c>partitions % subscribers</c> of them one more.
/// Not sticky: members that subscribe to the same topics get the same partition numbers of each, so co-partitioned
/// topics are consumed together.
/// </summary>
internal sealed class RangeAssignor : IConsumerGroupAssignor
{
    public const string AssignorName = "range";

    public static readonly RangeAssignor Instance = new();

    public string Name => AssignorName;

    public Dictionary<string, PartitionAssignment> Assign(IReadOnlyList<AssignmentMember> members, IReadOnlyDictionary<Guid, int> partitionCounts)
    {
        var sorted = ConsumerGroupAssignors.Sorted(members);
        var assigned = sorted.ToDictionary(m => m.MemberId, _ => new List<(Guid, int)>(), StringComparer.Ordinal);
        foreach (var (topicId, count) in partitionCounts)
        {
            var subscribers = sorted.Where(m => m.SubscribedTopicIds.Contains(topicId)).ToList();
            if (subscribers.Count == 0)
                continue;
            var quota = count / subscribers.Count;
            var extra = count % subscribers.Count;
            var next = 0;
            for (var i = 0; i < subscribers.Count; i++)
            {
                var size = quota + (i < extra ? 1 : 0);
                for (var p = next; p < next + size; p++)
                    assigned[subscribers[i].MemberId].Add((topicId, p));
                next += size;
            }
        }
        return assigned.ToDictionary(a => a.Key, a => PartitionAssignment.From(a.Value), StringComparer.Ordinal);
    }
}
