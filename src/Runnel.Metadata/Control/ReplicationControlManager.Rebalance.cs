using Runnel.Metadata.Image;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>Auto leader rebalance (auto.leader.rebalance.enable).</summary>
public static partial class ReplicationControlManager
{
    /// <summary>
    /// One pass of auto leader rebalance, with the per-broker rule of Kafka's checkAndTriggerAutoLeaderRebalance:
    /// partitions are grouped by their preferred replica (the first); a broker's imbalance is the share of its group
    /// led by another broker (or by none). Where that share is above <paramref name="imbalancePercentage"/>, every
    /// partition of the group whose preferred replica is active and in sync, and that is not being reassigned, gets a
    /// preferred election. At most <paramref name="max"/> partitions change per pass (Kafka's
    /// maxElectionsPerImbalance); the answer is how many did.
    /// </summary>
    public static ControllerResult<int> RebalanceLeaders(MetadataImage image, int imbalancePercentage = 10, int max = 1000)
    {
        var byPreferred = image.Topics.ByName.Values
            .SelectMany(t => t.Partitions.Values.Where(p => p.Replicas.Length > 0).Select(p => (Topic: t, Partition: p)))
            .GroupBy(x => x.Partition.Replicas[0]);
        var records = new List<IKafkaMessage>();
        foreach (var group in byPreferred.OrderBy(g => g.Key))
        {
            var preferred = group.Key;
            var members = group.ToList();
            var misled = members.Where(x => x.Partition.Leader != preferred).ToList();
            if (misled.Count * 100 <= imbalancePercentage * members.Count)
                continue;
            foreach (var (topic, partition) in misled)
            {
                if (records.Count >= max)
                    return new(records, records.Count);
                if (partition.IsReassigning || !partition.Isr.Contains(preferred) || !image.Cluster.IsActive(preferred))
                    continue;
                var builder = new PartitionChangeBuilder(topic.Id, partition, image.Cluster.IsActive) { Election = LeaderElection.Preferred };
                if (builder.Build() is { } record)
                    records.Add(record);
            }
        }
        return new(records, records.Count);
    }
}
