using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>A partition named by topic name and index, as ElectLeaders and reassignments name them.</summary>
public readonly record struct PartitionName(string Topic, int Partition);

/// <summary>Leadership: moving it off a broker that is fenced or shutting down, onto one that returns, and elections.</summary>
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

    /// <summary>
    /// ElectLeaders: PREFERRED moves leadership to the first replica when it is in sync and may lead
    /// (ELECTION_NOT_NEEDED when it leads already, PREFERRED_LEADER_NOT_AVAILABLE when it cannot); UNCLEAN elects a
    /// leader for a partition without one, out of sync if need be (ELECTION_NOT_NEEDED when it has one,
    /// ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica may lead). Null <paramref name="partitions"/> means every
    /// partition, leaving out those that need no election.
    /// </summary>
    public static ControllerResult<List<(PartitionName Partition, ApiError Error)>> ElectLeaders(MetadataImage image, LeaderElection election,
        IReadOnlyList<PartitionName>? partitions)
    {
        var all = partitions is null;
        partitions ??= [.. image.Topics.ByName.Values.SelectMany(t => t.Partitions.Keys.Select(p => new PartitionName(t.Name, p)))];
        var records = new List<IKafkaMessage>();
        var results = new List<(PartitionName, ApiError)>();
        foreach (var name in partitions)
        {
            var error = ElectOne(image, election, name, records);
            if (!(all && error.Error == ErrorCode.ElectionNotNeeded))
                results.Add((name, error));
        }
        return new(records, results);
    }

    private static ApiError ElectOne(MetadataImage image, LeaderElection election, PartitionName name, List<IKafkaMessage> records)
    {
        if (image.Topics.Find(name.Topic) is not { } topic)
            return new ApiError(ErrorCode.UnknownTopicOrPartition, $"No such topic as {name.Topic}");
        if (topic.Partitions.GetValueOrDefault(name.Partition) is not { } partition)
            return new ApiError(ErrorCode.UnknownTopicOrPartition, $"No such partition as {name.Topic}-{name.Partition}");
        if (election == LeaderElection.Preferred && partition.Replicas.Length > 0 && partition.Leader == partition.Replicas[0])
            return new ApiError(ErrorCode.ElectionNotNeeded, "Leader election not needed for topic partition.");
        if (election == LeaderElection.Unclean && partition.Leader >= 0)
            return new ApiError(ErrorCode.ElectionNotNeeded, "Leader election not needed for topic partition.");
        var builder = new PartitionChangeBuilder(topic.Id, partition, image.Cluster.IsActive) { Election = election };
        if (builder.Build() is not { } record || record.Leader == PartitionImage.NoLeaderChange)
        {
            return election == LeaderElection.Preferred
                ? new ApiError(ErrorCode.PreferredLeaderNotAvailable, $"Failed to elect leader for partition {name.Topic}-{name.Partition} under strategy PREFERRED")
                : new ApiError(ErrorCode.EligibleLeadersNotAvailable, $"Failed to elect leader for partition {name.Topic}-{name.Partition} under strategy UNCLEAN");
        }
        records.Add(record);
        return ApiError.None;
    }

    /// <summary>
    /// Auto leader rebalance (auto.leader.rebalance.enable): a preferred election for every partition led by another
    /// replica than its first while the first may lead and is in sync; at most <paramref name="max"/> per pass.
    /// </summary>
    public static ControllerResult<int> RebalanceLeaders(MetadataImage image, int max = 1000)
    {
        var records = new List<IKafkaMessage>();
        foreach (var topic in image.Topics.ByName.Values)
        {
            foreach (var partition in topic.Partitions.Values)
            {
                if (records.Count >= max)
                    return new(records, records.Count);
                if (partition.Replicas.Length == 0 || partition.Leader == partition.Replicas[0])
                    continue;
                var preferred = partition.Replicas[0];
                if (!partition.Isr.Contains(preferred) || !image.Cluster.IsActive(preferred))
                    continue;
                var builder = new PartitionChangeBuilder(topic.Id, partition, image.Cluster.IsActive) { Election = LeaderElection.Preferred };
                if (builder.Build() is { } record)
                    records.Add(record);
            }
        }
        return new(records, records.Count);
    }
}
