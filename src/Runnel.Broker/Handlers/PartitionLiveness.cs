using Runnel.Metadata.Image;

namespace Runnel.Broker.Handlers;

/// <summary>
/// How Metadata and DescribeTopicPartitions show a partition's replicas to a client on one listener (Kafka's
/// KRaftMetadataCache): the leader only when it is a registered broker with that listener (else -1); a replica is
/// offline when its broker is unregistered, fenced or lacks the listener.
/// </summary>
internal static class PartitionLiveness
{
    public static bool HasListener(MetadataImage image, int brokerId, string listener)
        => image.Cluster.Brokers.GetValueOrDefault(brokerId) is { } broker && broker.Endpoints.Any(e => e.Name.Equals(listener, StringComparison.OrdinalIgnoreCase));

    /// <summary>The leader a client can reach, or -1.</summary>
    public static int Leader(MetadataImage image, PartitionImage partition, string listener)
        => partition.Leader >= 0 && HasListener(image, partition.Leader, listener) ? partition.Leader : -1;

    public static List<int> Offline(MetadataImage image, PartitionImage partition, string listener)
        => [.. partition.Replicas.Where(r => !HasListener(image, r, listener) || image.Cluster.Brokers[r].Fenced)];
}
