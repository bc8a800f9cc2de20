using System.Collections.Immutable;

namespace Runnel.Broker.Groups.Modern;

/// <summary>
/// An immutable set of partitions by topic id, as KIP-848 assignments are kept (Kafka's <c>Map&lt;Uuid, Set&lt;Integer&gt;&gt;</c>).
/// Topics with no partitions are never kept, so two sets holding the same partitions are equal.
/// </summary>
internal sealed class PartitionAssignment : IEquatable<PartitionAssignment>
{
    public static readonly PartitionAssignment Empty = new(ImmutableSortedDictionary<Guid, ImmutableSortedSet<int>>.Empty);

    private PartitionAssignment(ImmutableSortedDictionary<Guid, ImmutableSortedSet<int>> topics)
    {
        Topics = topics;
        Count = topics.Values.Sum(p => p.Count);
    }

    public ImmutableSortedDictionary<Guid, ImmutableSortedSet<int>> Topics { get; }

    /// <summary>How many partitions the set holds.</summary>
    public int Count { get; }

    public bool IsEmpty => Count == 0;

    public IEnumerable<(Guid TopicId, int Partition)> All => Topics.SelectMany(t => t.Value.Select(p => (t.Key, p)));

    public bool Contains(Guid topicId, int partition) => Topics.TryGetValue(topicId, out var partitions) && partitions.Contains(partition);

    public ImmutableSortedSet<int> Of(Guid topicId) => Topics.GetValueOrDefault(topicId) ?? [];

    public static PartitionAssignment From(IEnumerable<(Guid TopicId, int Partition)> partitions)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<Guid, ImmutableSortedSet<int>>();
        foreach (var byTopic in partitions.GroupBy(p => p.TopicId))
            builder[byTopic.Key] = [.. byTopic.Select(p => p.Partition)];
        return builder.Count == 0 ? Empty : new PartitionAssignment(builder.ToImmutable());
    }

    public static PartitionAssignment From(IEnumerable<(Guid TopicId, IEnumerable<int> Partitions)> topics)
        => From(topics.SelectMany(t => t.Partitions.Select(p => (t.TopicId, p))));

    public PartitionAssignment Union(PartitionAssignment other) => From(All.Concat(other.All).Distinct());

    public PartitionAssignment Except(PartitionAssignment other) => From(All.Where(p => !other.Contains(p.TopicId, p.Partition)));

    public PartitionAssignment Intersect(PartitionAssignment other) => From(All.Where(p => other.Contains(p.TopicId, p.Partition)));

    /// <summary>Whether every partition of this set is in <paramref name="other"/>.</summary>
    public bool IsSubsetOf(PartitionAssignment other) => All.All(p => other.Contains(p.TopicId, p.Partition));

    public bool Overlaps(PartitionAssignment other) => All.Any(p => other.Contains(p.TopicId, p.Partition));

    public bool Equals(PartitionAssignment? other)
        => other is not null && other.Count == Count && Topics.Count == other.Topics.Count
            && Topics.All(t => other.Topics.TryGetValue(t.Key, out var o) && o.SetEquals(t.Value));

    public override bool Equals(object? obj) => Equals(obj as PartitionAssignment);

    public override int GetHashCode() => HashCode.Combine(Count, Topics.Count);

    public override string ToString() => string.Join(", ", Topics.Select(t => $"{t.Key}:[{string.Join(',', t.Value)}]"));
}
