namespace Runnel.Broker.Groups.Modern;

/// <summary>
/// Kafka's server-side UniformAssignor (the default), in a simpler form with the same properties: the partitions of
/// every subscribed topic are spread so that subscribers differ by at most one partition where their subscriptions
/// allow, and assignments are sticky: a member keeps the partitions of its current target (up to its share) so that a
/// member joining or leaving moves as few partitions as possible. Kafka's homogeneous builder balances exactly this
/// way; its heterogeneous one additionally balances across topics by moving partitions along subscription paths, which
/// this one does only greedily (a partition goes to the least-loaded subscriber).
/// </summary>
internal sealed class UniformAssignor : IConsumerGroupAssignor
{
    public const string AssignorName = "uniform";

    public static readonly UniformAssignor Instance = new();

    public string Name => AssignorName;

    public Dictionary<string, PartitionAssignment> Assign(IReadOnlyList<AssignmentMember> members, IReadOnlyDictionary<Guid, int> partitionCounts)
    {
        var sorted = ConsumerGroupAssignors.Sorted(members);
        var assigned = sorted.ToDictionary(m => m.MemberId, _ => new List<(Guid TopicId, int Partition)>(), StringComparer.Ordinal);
        var partitions = partitionCounts.OrderBy(t => t.Key).SelectMany(t => Enumerable.Range(0, t.Value).Select(p => (TopicId: t.Key, Partition: p))).ToList();
        // Each member's fair share: the partitions it could have, spread over the subscribers of each, rounded up.
        var share = sorted.ToDictionary(m => m.MemberId, m => (int)Math.Ceiling(partitionCounts
            .Where(t => m.SubscribedTopicIds.Contains(t.Key))
            .Sum(t => t.Value / (double)sorted.Count(o => o.SubscribedTopicIds.Contains(t.Key)))), StringComparer.Ordinal);
        var homogeneous = sorted.All(m => m.SubscribedTopicIds.SetEquals(sorted[0].SubscribedTopicIds));
        var total = partitions.Count(p => sorted.Any(m => m.SubscribedTopicIds.Contains(p.TopicId)));
        // Homogeneous: every member gets the floor, and total % members of them one more.
        var floor = homogeneous && sorted.Count > 0 ? total / sorted.Count : 0;
        var extras = homogeneous && sorted.Count > 0 ? total % sorted.Count : 0;

        var owner = new Dictionary<(Guid, int), string>();
        foreach (var member in sorted)
        {
            foreach (var p in member.CurrentTarget.All)
            {
                if (p.Partition < partitionCounts.GetValueOrDefault(p.TopicId) && member.SubscribedTopicIds.Contains(p.TopicId))
                    owner.TryAdd(p, member.MemberId);
            }
        }
        // Sticky passes: each member keeps what it had up to its share; in a homogeneous group, members that had more
        // keep one more while the remainder lasts.
        var kept = sorted.ToDictionary(m => m.MemberId, m => m.CurrentTarget.All.Where(p => owner.GetValueOrDefault(p) == m.MemberId).ToList(), StringComparer.Ordinal);
        foreach (var member in sorted)
            assigned[member.MemberId].AddRange(kept[member.MemberId].Take(homogeneous ? floor : share[member.MemberId]));
        if (homogeneous)
        {
            foreach (var member in sorted)
            {
                if (extras > 0 && kept[member.MemberId].Count > floor)
                {
                    assigned[member.MemberId].Add(kept[member.MemberId][floor]);
                    extras--;
                }
            }
        }
        var taken = assigned.Values.SelectMany(l => l).ToHashSet();
        var unassigned = partitions.Where(p => !taken.Contains(p)).ToList();
        // Then every free partition goes to the least-loaded subscriber (ties: member order).
        foreach (var p in unassigned)
        {
            var candidate = sorted.Where(m => m.SubscribedTopicIds.Contains(p.TopicId))
                .OrderBy(m => assigned[m.MemberId].Count).FirstOrDefault();
            if (candidate is not null)
                assigned[candidate.MemberId].Add(p);
        }
        return assigned.ToDictionary(a => a.Key, a => PartitionAssignment.From(a.Value), StringComparer.Ordinal);
    }
}
