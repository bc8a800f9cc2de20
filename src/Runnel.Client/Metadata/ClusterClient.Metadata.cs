using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Metadata;

/// <summary>Metadata refreshes and topic lookups, waiting out the moments after a topic is created.</summary>
internal sealed partial class ClusterClient
{
    /// <summary>
    /// Asks any broker for metadata: of <paramref name="topics"/>, or of every topic when null (an empty list asks
    /// for brokers and controller only).
    /// </summary>
    public async Task<ClusterMetadata> RefreshAsync(IReadOnlyCollection<string>? topics, bool allowAutoCreate, CancellationToken cancellationToken)
    {
        var connection = await AnyAsync(cancellationToken).ConfigureAwait(false);
        var version = connection.Versions.Negotiate(ApiKey.Metadata);
        var request = new MetadataRequest
        {
            // v0 has no null list; there an empty list means all topics.
            Topics = topics is null
                ? version == 0 ? [] : null
                : [.. topics.Select(t => new MetadataRequest.MetadataRequestTopic { Name = t })],
            AllowAutoTopicCreation = allowAutoCreate,
        };
        var response = await connection.SendAsync<MetadataResponse>(ApiKey.Metadata, request, cancellationToken, version).ConfigureAwait(false);
        await _metadataLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var updated = Metadata.Apply(response, allTopics: topics is null || (version == 0 && topics.Count == 0), _time.GetUtcNow());
            Volatile.Write(ref _metadata, updated);
            return updated;
        }
        finally
        {
            _metadataLock.Release();
        }
    }

    /// <summary>
    /// A topic whose partitions all have leaders. Retries while the cluster says LEADER_NOT_AVAILABLE (just created)
    /// or the cache is stale, up to the request timeout; an unknown topic fails at once unless auto-creation is on.
    /// </summary>
    public async Task<TopicInfo> GetTopicAsync(string topic, bool allowAutoCreate, CancellationToken cancellationToken, bool forceRefresh = false)
    {
        var cached = Metadata.Topics.GetValueOrDefault(topic);
        if (!forceRefresh && cached is not null && IsUsable(cached) && _time.GetUtcNow() - Metadata.FetchedAt < _options.MetadataMaxAge)
            return cached;
        var deadline = _time.GetUtcNow() + _options.RequestTimeout;
        while (true)
        {
            var metadata = await RefreshAsync([topic], allowAutoCreate, cancellationToken).ConfigureAwait(false);
            var info = metadata.Topics.GetValueOrDefault(topic);
            if (info is not null && IsUsable(info))
                return info;
            var error = info?.Error ?? ErrorCode.UnknownTopicOrPartition;
            if (error is ErrorCode.None)
                error = ErrorCode.LeaderNotAvailable;
            var retriable = error == ErrorCode.LeaderNotAvailable || (error == ErrorCode.UnknownTopicOrPartition && allowAutoCreate);
            if (!retriable || _time.GetUtcNow() >= deadline)
            {
                throw error == ErrorCode.UnknownTopicOrPartition
                    ? new RunnelException(error, $"Topic '{topic}' does not exist.")
                    : RunnelException.FromError(error, $"Looking up topic '{topic}'");
            }
            await Task.Delay(_options.RetryBackoff, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The partitions grouped by their leader's node id, from metadata (refreshed when stale or forced).</summary>
    public async Task<Dictionary<int, List<TopicPartition>>> GroupByLeaderAsync(IEnumerable<TopicPartition> partitions, bool forceRefresh, CancellationToken cancellationToken)
    {
        var byLeader = new Dictionary<int, List<TopicPartition>>();
        var refreshed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var partition in partitions)
        {
            // Refresh each topic at most once per grouping, however many of its partitions are asked for.
            var refresh = forceRefresh && refreshed.Add(partition.Topic);
            var topic = await GetTopicAsync(partition.Topic, allowAutoCreate: false, cancellationToken, refresh).ConfigureAwait(false);
            var leader = PartitionOf(topic, partition.Partition).Leader;
            if (!byLeader.TryGetValue(leader, out var list))
                byLeader[leader] = list = [];
            list.Add(partition);
        }
        return byLeader;
    }

    public static PartitionInfo PartitionOf(TopicInfo topic, int partition)
        => partition >= 0 && partition < topic.Partitions.Count && topic.Partitions[partition].Partition == partition
            ? topic.Partitions[partition]
            : topic.Partitions.FirstOrDefault(p => p.Partition == partition)
              ?? throw new RunnelException(ErrorCode.UnknownTopicOrPartition, $"Topic '{topic.Name}' has no partition {partition} (it has {topic.Partitions.Count}).");

    private static bool IsUsable(TopicInfo topic)
        => topic.Error == ErrorCode.None && topic.Partitions.Count > 0 && topic.Partitions.All(p => p.Leader >= 0);
}
