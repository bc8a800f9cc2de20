using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>Leadership: moving it off a broker that is fenced or shutting down, and onto one that returns.</summary>
public static partial class ReplicationControlManager
{
    /// <summary>
    /// Kafka's handleBrokerFenced / handleBrokerInControlledShutdown: <paramref name="brokerId"/> leaves every ISR it is
    /// in (unless it is the last member: the ISR never empties), and each partition it led gets a new leader, the first
    /// in-sync replica in replica order that may lead, or none (-1).
    /// </summary>
    public static List<IKafkaMessage> MoveAwayFrom(MetadataImage image, int brokerId, ReplicationPolicy policy)
    {
        var records = new List<IKafkaMessage>();
        foreach (var topic in image.Topics.ByName.Values)
        {
            foreach (var partition in topic.Partitions.Values)
            {
                if (!partition.Isr.Contains(brokerId) && partition.Leader != brokerId)
                    continue;
                var builder = new PartitionChangeBuilder(topic.Id, partition, r => r != brokerId && image.Cluster.IsActive(r))
                {
                    TargetIsr = partition.Isr.Remove(brokerId),
                    Election = policy.ElectionFor(image, topic.Name),
                };
                if (builder.Build() is { } record)
                    records.Add(record);
            }
        }
        return records;
    }

    /// <summary>
    /// Kafka's handleBrokerUnfenced: partitions without a leader that <paramref name="brokerId"/> replicates elect one now
    /// that it may lead (it is usually the last in-sync replica they kept). It is not put back into any ISR: its leaders
    /// add it once it caught up.
    /// </summary>
    public static List<IKafkaMessage> ElectForReturning(MetadataImage image, int brokerId, ReplicationPolicy policy)
    {
        var records = new List<IKafkaMessage>();
        foreach (var topic in image.Topics.ByName.Values)
        {
            foreach (var partition in topic.Partitions.Values)
            {
                if (partition.Leader >= 0 || !partition.Replicas.Contains(brokerId))
                    continue;
                var builder = new PartitionChangeBuilder(topic.Id, partition, r => r == brokerId || image.Cluster.IsActive(r))
                {
                    Election = policy.ElectionFor(image, topic.Name),
                };
                if (builder.Build() is { } record)
                    records.Add(record);
            }
        }
        return records;
    }

    /// <summary>Whether <paramref name="brokerId"/> leads any partition.</summary>
    public static bool LeadsAny(MetadataImage image, int brokerId)
        => image.Topics.ByName.Values.Any(t => t.Partitions.Values.Any(p => p.Leader == brokerId));
}
