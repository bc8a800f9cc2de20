using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Metadata;

/// <summary>A partition as Metadata describes it; <see cref="OfflineReplicas"/> comes with Metadata v5+ (empty before).</summary>
internal sealed record PartitionInfo(int Partition, int Leader, int LeaderEpoch, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr, ErrorCode Error)
{
    public IReadOnlyList<int> OfflineReplicas { get; init; } = [];
}

/// <summary>A topic as Metadata describes it; <see cref="Partitions"/> is ordered by partition index.</summary>
internal sealed record TopicInfo(string Name, Guid TopicId, bool IsInternal, ErrorCode Error, IReadOnlyList<PartitionInfo> Partitions);

/// <summary>
/// An immutable picture of the cluster from one or more Metadata replies. Refreshes make a new picture (topics not
/// asked about are carried over), so readers never see a half-applied update.
/// </summary>
internal sealed class ClusterMetadata
{
    public static readonly ClusterMetadata Empty = new(null, -1, new Dictionary<int, BrokerNode>(), new Dictionary<string, TopicInfo>(), DateTimeOffset.MinValue);

    private ClusterMetadata(string? clusterId, int controllerId, IReadOnlyDictionary<int, BrokerNode> brokers,
        IReadOnlyDictionary<string, TopicInfo> topics, DateTimeOffset fetchedAt)
    {
        ClusterId = clusterId;
        ControllerId = controllerId;
        Brokers = brokers;
        Topics = topics;
        FetchedAt = fetchedAt;
    }

    public string? ClusterId { get; }

    public int ControllerId { get; }

    public IReadOnlyDictionary<int, BrokerNode> Brokers { get; }

    public IReadOnlyDictionary<string, TopicInfo> Topics { get; }

    public DateTimeOffset FetchedAt { get; }

    /// <summary>
    /// Applies a reply. With <paramref name="allTopics"/> the reply replaces the topic list (deleted topics vanish);
    /// otherwise only the topics in the reply are replaced.
    /// </summary>
    public ClusterMetadata Apply(MetadataResponse response, bool allTopics, DateTimeOffset now)
    {
        var brokers = response.Brokers.ToDictionary(b => b.NodeId, b => new BrokerNode(b.NodeId, b.Host, b.Port, b.Rack));
        var topics = allTopics ? new Dictionary<string, TopicInfo>(StringComparer.Ordinal) : new Dictionary<string, TopicInfo>(Topics, StringComparer.Ordinal);
        foreach (var topic in response.Topics)
        {
            if (topic.Name is null)
                continue;
            var error = (ErrorCode)topic.ErrorCode;
            if (error == ErrorCode.UnknownTopicOrPartition)
            {
                topics.Remove(topic.Name);
                continue;
            }
            var partitions = topic.Partitions
                .OrderBy(p => p.PartitionIndex)
                .Select(p => new PartitionInfo(p.PartitionIndex, p.LeaderId, p.LeaderEpoch, p.ReplicaNodes, p.IsrNodes, (ErrorCode)p.ErrorCode) { OfflineReplicas = p.OfflineReplicas })
                .ToList();
            topics[topic.Name] = new TopicInfo(topic.Name, topic.TopicId, topic.IsInternal, error, partitions);
        }
        return new ClusterMetadata(response.ClusterId, response.ControllerId, brokers, topics, now);
    }
}
