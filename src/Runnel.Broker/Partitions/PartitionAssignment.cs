using System.Collections.Immutable;
using Runnel.Metadata.Image;

namespace Runnel.Broker.Partitions;

/// <summary>
/// Who leads a partition and who replicates it, as the controller last decided: the leader and its epoch, the
/// partition epoch that orders every change (ISR updates included), the replicas and the in-sync replicas, and the
/// replicas a reassignment is adding (also in the replicas). Immutable; a partition swaps in a new one on every change.
/// </summary>
internal sealed record PartitionAssignment(int Leader, int LeaderEpoch, int PartitionEpoch, ImmutableArray<int> Replicas, ImmutableArray<int> Isr)
{
    public ImmutableArray<int> Adding { get; init; } = [];

    /// <summary>Before the first metadata: nobody leads, nothing is replicated.</summary>
    public static readonly PartitionAssignment None = new(-1, -1, -1, [], []);

    public static PartitionAssignment From(PartitionImage image)
        => new(image.Leader, image.LeaderEpoch, image.PartitionEpoch, image.Replicas, image.Isr) { Adding = image.Adding };

    public bool IsLeader(int brokerId) => Leader == brokerId && Leader >= 0;

    public bool IsReplica(int brokerId) => Replicas.Contains(brokerId);
}
