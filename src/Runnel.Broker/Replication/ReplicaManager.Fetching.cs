using Runnel.Broker.Partitions;

namespace Runnel.Broker.Replication;

/// <summary>The follower side: fetching from the leaders of the partitions this node follows.</summary>
internal sealed partial class ReplicaManager
{
    /// <summary>Where this node's leaders send ISR changes.</summary>
    public IIsrChangeSink? IsrChanges { get; set; }

    private static void StartFetching(Partition partition) => _ = partition;

    private static void StopFetching(Partition partition) => _ = partition;

    private static Task StopFetchersAsync() => Task.CompletedTask;
}
