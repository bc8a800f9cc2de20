using System.Collections.Immutable;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Image;

/// <summary>
/// One partition: its replicas, the in-sync ones, the leader and the epochs that order changes to it; during a
/// reassignment, the replicas being added and removed (both already in <see cref="Replicas"/>).
/// </summary>
public sealed record PartitionImage(int Id, ImmutableArray<int> Replicas, ImmutableArray<int> Isr, int Leader, int LeaderEpoch, int PartitionEpoch)
{
    public ImmutableArray<int> Adding { get; init; } = [];

    public ImmutableArray<int> Removing { get; init; } = [];

    public bool IsReassigning => Adding.Length > 0 || Removing.Length > 0;

    /// <summary>
    /// Kafka's PartitionRegistration.merge: every change bumps the partition epoch; a leader field other than -2 (no
    /// change) sets the leader and bumps the leader epoch, even when it names the same leader; null lists are unchanged.
    /// </summary>
    public PartitionImage Merge(PartitionChangeRecord change) => this with
    {
        Isr = change.Isr is { } isr ? [.. isr] : Isr,
        Replicas = change.Replicas is { } replicas ? [.. replicas] : Replicas,
        Adding = change.AddingReplicas is { } adding ? [.. adding] : Adding,
        Removing = change.RemovingReplicas is { } removing ? [.. removing] : Removing,
        Leader = change.Leader == NoLeaderChange ? Leader : change.Leader,
        LeaderEpoch = change.Leader == NoLeaderChange ? LeaderEpoch : LeaderEpoch + 1,
        PartitionEpoch = PartitionEpoch + 1,
    };

    /// <summary>PartitionChangeRecord's Leader when the leader stays as it is.</summary>
    public const int NoLeaderChange = -2;
}

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
