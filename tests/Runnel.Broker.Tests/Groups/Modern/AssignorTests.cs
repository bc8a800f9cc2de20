using Runnel.Broker.Groups.Modern;

namespace Runnel.Broker.Tests.Groups.Modern;

/// <summary>The server-side assignors: every subscribed partition to exactly one subscriber, balanced, and uniform sticky.</summary>
public sealed class AssignorTests
{
    private static readonly Guid T1 = new("00000000-0000-0000-0000-000000000001");
    private static readonly Guid T2 = new("00000000-0000-0000-0000-000000000002");

    private static AssignmentMember Member(string id, PartitionAssignment? current = null, string? instance = null, params Guid[] topics)
        => new(id, instance, (topics.Length == 0 ? [T1] : topics).ToHashSet(), current ?? PartitionAssignment.Empty);

    private static void AssertComplete(Dictionary<string, PartitionAssignment> result, IReadOnlyList<AssignmentMember> members, Dictionary<Guid, int> counts)
    {
        var all = result.Values.SelectMany(a => a.All).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        var expected = counts.Where(t => members.Any(m => m.SubscribedTopicIds.Contains(t.Key))).Sum(t => t.Value);
        Assert.Equal(expected, all.Count);
        foreach (var member in members)
            Assert.All(result[member.MemberId].All, p => Assert.Contains(p.TopicId, member.SubscribedTopicIds));
    }

    [Theory]
    [InlineData("uniform", 6, 3)]
    [InlineData("uniform", 7, 3)]
    [InlineData("uniform", 2, 5)]
    [InlineData("range", 6, 3)]
    [InlineData("range", 7, 3)]
    [InlineData("range", 2, 5)]
    public void Every_partition_goes_to_one_member_and_counts_differ_by_at_most_one(string name, int partitions, int memberCount)
    {
        var assignor = ConsumerGroupAssignors.Find(name)!;
        var members = Enumerable.Range(0, memberCount).Select(i => Member($"m{i}")).ToList();
        var counts = new Dictionary<Guid, int> { [T1] = partitions };
        var result = assignor.Assign(members, counts);
        AssertComplete(result, members, counts);
        var sizes = result.Values.Select(a => a.Count).ToList();
        Assert.True(sizes.Max() - sizes.Min() <= 1, string.Join(",", sizes));
    }

    [Fact]
    public void Range_gives_consecutive_ranges_in_member_order_with_static_members_first()
    {
        var members = new[] { Member("b", topics: [T1, T2]), Member("a", topics: [T1, T2]), Member("z", instance: "i1", topics: [T1, T2]) };
        var result = RangeAssignor.Instance.Assign(members, new Dictionary<Guid, int> { [T1] = 7, [T2] = 3 });
        // Order: z (static), a, b. T1: 3, 2, 2; T2: 1, 1, 1 — co-partitioned topics get the same numbers.
        Assert.Equal([0, 1, 2], result["z"].Of(T1));
        Assert.Equal([3, 4], result["a"].Of(T1));
        Assert.Equal([5, 6], result["b"].Of(T1));
        Assert.Equal([0], result["z"].Of(T2));
        Assert.Equal([1], result["a"].Of(T2));
        Assert.Equal([2], result["b"].Of(T2));
    }

    [Fact]
    public void Uniform_is_sticky_a_new_member_takes_only_its_share_from_the_others()
    {
        var counts = new Dictionary<Guid, int> { [T1] = 6 };
        var first = UniformAssignor.Instance.Assign([Member("a"), Member("b")], counts);
        var second = UniformAssignor.Instance.Assign([Member("a", first["a"]), Member("b", first["b"]), Member("c")], counts);
        Assert.Equal(2, second["c"].Count);
        Assert.True(second["a"].IsSubsetOf(first["a"]));
        Assert.True(second["b"].IsSubsetOf(first["b"]));
        // A member leaving: the remaining keep everything they had.
        var third = UniformAssignor.Instance.Assign([Member("a", second["a"]), Member("c", second["c"])], counts);
        Assert.True(second["a"].IsSubsetOf(third["a"]));
        Assert.True(second["c"].IsSubsetOf(third["c"]));
        Assert.Equal(3, third["a"].Count);
    }

    [Fact]
    public void Uniform_with_different_subscriptions_assigns_each_topic_only_to_its_subscribers()
    {
        var members = new[] { Member("a", topics: [T1]), Member("b", topics: [T1, T2]), Member("c", topics: [T2]) };
        var counts = new Dictionary<Guid, int> { [T1] = 4, [T2] = 4 };
        var result = UniformAssignor.Instance.Assign(members, counts);
        AssertComplete(result, members, counts);
        Assert.Empty(result["a"].Of(T2));
        Assert.Empty(result["c"].Of(T1));
        Assert.All(result.Values, a => Assert.InRange(a.Count, 2, 3));
    }

    [Fact]
    public void Shrunk_topics_and_dropped_subscriptions_are_not_kept()
    {
        var had = PartitionAssignment.From([(T1, 0), (T1, 5), (T2, 0)]);
        var result = UniformAssignor.Instance.Assign([Member("a", had, topics: [T1])], new Dictionary<Guid, int> { [T1] = 3 });
        Assert.Equal(PartitionAssignment.From([(T1, 0), (T1, 1), (T1, 2)]), result["a"]);
    }
}
