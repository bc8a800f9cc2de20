using System.Collections.Immutable;

namespace Runnel.Metadata.Image;

/// <summary>One partition: its replicas, the in-sync ones, the leader and the epochs that order changes to it.</summary>
public sealed record PartitionImage(int Id, ImmutableArray<int> Replicas, ImmutableArray<int> Isr, int Leader, int LeaderEpoch, int PartitionEpoch);

/// <summary>A topic: its name, its id (names can be reused after a delete; ids never), and its partitions.</summary>
public sealed record TopicImage(string Name, Guid Id, ImmutableSortedDictionary<int, PartitionImage> Partitions)
{
    public int PartitionCount => Partitions.Count;
}

/// <summary>All topics, by id and by name.</summary>
public sealed record TopicsImage(ImmutableDictionary<Guid, TopicImage> ById, ImmutableSortedDictionary<string, TopicImage> ByName)
{
    public static readonly TopicsImage Empty = new(ImmutableDictionary<Guid, TopicImage>.Empty, ImmutableSortedDictionary.Create<string, TopicImage>(StringComparer.Ordinal));

    public TopicImage? Find(string name) => ByName.GetValueOrDefault(name);

    public TopicImage? Find(Guid id) => ById.GetValueOrDefault(id);
}
