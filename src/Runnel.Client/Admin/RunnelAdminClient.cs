using Runnel.Client.Metadata;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Admin;

/// <summary>
/// Manages topics and inspects the cluster: create, delete, list and describe topics (with partition leaders and
/// earliest/latest offsets), read and change topic configs, add partitions, describe the cluster.
/// <code>
/// await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = "localhost:9092" });
/// await admin.CreateTopicsAsync([new NewTopic("orders", Partitions: 3)]);
/// </code>
/// Operations throw <see cref="RunnelException"/> naming Kafka's error when the cluster refuses them.
/// </summary>
public sealed partial class RunnelAdminClient : IAsyncDisposable
{
    private readonly ClusterClient _cluster;

    public RunnelAdminClient(ClientOptions options)
    {
        _cluster = new ClusterClient(options);
    }

    private int TimeoutMs => (int)_cluster.Options.RequestTimeout.TotalMilliseconds;

    /// <summary>Creates topics; fails listing every topic the controller refused (TOPIC_ALREADY_EXISTS, …).</summary>
    public async Task CreateTopicsAsync(IEnumerable<NewTopic> topics, bool validateOnly = false, CancellationToken cancellationToken = default)
    {
        var connection = await _cluster.ControllerAsync(cancellationToken).ConfigureAwait(false);
        var version = connection.Versions.Negotiate(ApiKey.CreateTopics);
        var request = new CreateTopicsRequest
        {
            Topics = [.. topics.Select(t => new CreateTopicsRequest.CreatableTopic
            {
                Name = t.Name,
                // Before v4 the broker has no "use your default" marker; one partition and one replica is Kafka's default.
                NumPartitions = t.Partitions < 0 && version < 4 ? 1 : t.Partitions,
                ReplicationFactor = t.ReplicationFactor < 0 && version < 4 ? (short)1 : t.ReplicationFactor,
                Configs = [.. t.Configs.Select(c => new CreateTopicsRequest.CreatableTopicConfig { Name = c.Key, Value = c.Value })],
            })],
            // The schema keeps Kafka's own (lower-case) spelling of these two fields.
            timeoutMs = TimeoutMs,
            validateOnly = validateOnly,
        };
        var response = await connection.SendAsync<CreateTopicsResponse>(ApiKey.CreateTopics, request, cancellationToken, version).ConfigureAwait(false);
        ThrowIfAnyFailed(response.Topics.Select(t => (t.Name, t.ErrorCode, t.ErrorMessage)), "Creating topic");
    }

    /// <summary>Deletes topics by name.</summary>
    public async Task DeleteTopicsAsync(IEnumerable<string> topics, CancellationToken cancellationToken = default)
    {
        var names = topics.ToList();
        var connection = await _cluster.ControllerAsync(cancellationToken).ConfigureAwait(false);
        var request = new DeleteTopicsRequest
        {
            // v6 lists topics as structs (name or id); older versions as names. Each version writes only its own field.
            Topics = [.. names.Select(n => new DeleteTopicsRequest.DeleteTopicState { Name = n })],
            TopicNames = names,
            TimeoutMs = TimeoutMs,
        };
        var response = await connection.SendAsync<DeleteTopicsResponse>(ApiKey.DeleteTopics, request, cancellationToken).ConfigureAwait(false);
        ThrowIfAnyFailed(response.Responses.Select(r => (r.Name ?? r.TopicId.ToString(), r.ErrorCode, r.ErrorMessage)), "Deleting topic");
    }

    /// <summary>Names of all topics, sorted; internal topics (__consumer_offsets) only when asked for.</summary>
    public async Task<IReadOnlyList<string>> ListTopicsAsync(bool includeInternal = false, CancellationToken cancellationToken = default)
    {
        var metadata = await _cluster.RefreshAsync(topics: null, allowAutoCreate: false, cancellationToken).ConfigureAwait(false);
        return [.. metadata.Topics.Values.Where(t => includeInternal || !t.IsInternal).Select(t => t.Name).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Describes topics (all of them when <paramref name="topics"/> is null): each partition's leader, leader epoch,
    /// replicas, in-sync and offline replicas (Metadata). With <paramref name="includeOffsets"/> each partition with
    /// a leader also carries its earliest and latest offsets, from ListOffsets, as far as its leader answers (a
    /// leader that cannot be reached leaves them null rather than failing the description).
    /// </summary>
    public async Task<IReadOnlyList<TopicDescription>> DescribeTopicsAsync(IEnumerable<string>? topics = null, bool includeOffsets = true, CancellationToken cancellationToken = default)
    {
        var names = topics?.ToList();
        var metadata = await _cluster.RefreshAsync(names, allowAutoCreate: false, cancellationToken).ConfigureAwait(false);
        var found = new List<TopicInfo>();
        foreach (var name in names ?? [.. metadata.Topics.Keys.Order(StringComparer.Ordinal)])
        {
            var info = metadata.Topics.GetValueOrDefault(name) ?? throw new RunnelException(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
            RunnelException.ThrowIfError((short)info.Error, $"Describing topic '{name}'");
            found.Add(info);
        }
        Dictionary<TopicPartition, long>? earliest = null, latest = null;
        if (includeOffsets)
        {
            earliest = await OffsetsFromLeadersAsync(found, OffsetSpec.Earliest, cancellationToken).ConfigureAwait(false);
            latest = await OffsetsFromLeadersAsync(found, OffsetSpec.Latest, cancellationToken).ConfigureAwait(false);
        }
        return [.. found.Select(t => new TopicDescription(t.Name, t.TopicId, t.IsInternal, [.. t.Partitions.Select(p =>
        {
            var key = new TopicPartition(t.Name, p.Partition);
            return new PartitionDescription(p.Partition, p.Leader, p.Replicas, p.Isr)
            {
                LeaderEpoch = p.LeaderEpoch,
                OfflineReplicas = p.OfflineReplicas,
                EarliestOffset = earliest?.TryGetValue(key, out var e) == true ? e : null,
                LatestOffset = latest?.TryGetValue(key, out var l) == true ? l : null,
            };
        })]))];
    }

    /// <summary>
    /// One ListOffsets per leader named in <paramref name="topics"/>, for the partitions it leads. A leader that
    /// fails or refuses leaves its partitions out; only a broker without ListOffsets fails (UnsupportedApiException).
    /// </summary>
    private async Task<Dictionary<TopicPartition, long>> OffsetsFromLeadersAsync(List<TopicInfo> topics, OffsetSpec spec, CancellationToken cancellationToken)
    {
        var byLeader = topics
            .SelectMany(t => t.Partitions.Where(p => p.Leader >= 0).Select(p => (p.Leader, Partition: new TopicPartition(t.Name, p.Partition))))
            .GroupBy(p => p.Leader, p => p.Partition);
        var replies = byLeader.Select(async leader =>
        {
            try
            {
                var connection = await _cluster.NodeAsync(leader.Key, cancellationToken).ConfigureAwait(false);
                var request = new ListOffsetsRequest
                {
                    ReplicaId = -1,
                    Topics = [.. leader.GroupBy(p => p.Topic).Select(g => new ListOffsetsRequest.ListOffsetsTopic
                    {
                        Name = g.Key,
                        Partitions = [.. g.Select(p => new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = p.Partition, Timestamp = spec.Timestamp })],
                    })],
                    TimeoutMs = TimeoutMs,
                };
                return await connection.SendAsync<ListOffsetsResponse>(ApiKey.ListOffsets, request, cancellationToken).ConfigureAwait(false);
            }
            catch (RunnelException e) when (e is not UnsupportedApiException)
            {
                return null;
            }
        }).ToList();
        var offsets = new Dictionary<TopicPartition, long>();
        foreach (var reply in await Task.WhenAll(replies).ConfigureAwait(false))
        {
            foreach (var topic in reply?.Topics ?? [])
            {
                foreach (var partition in topic.Partitions.Where(p => p.ErrorCode == 0))
                    offsets[new TopicPartition(topic.Name, partition.PartitionIndex)] = partition.Offset;
            }
        }
        return offsets;
    }

    /// <summary>Offsets of the given partitions for one spec (earliest, latest or a timestamp).</summary>
    public async Task<IReadOnlyDictionary<TopicPartition, ListedOffset>> ListOffsetsAsync(IEnumerable<TopicPartition> partitions, OffsetSpec spec, CancellationToken cancellationToken = default)
        => await _cluster.ListOffsetsAsync(partitions, spec, cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    private static void ThrowIfAnyFailed(IEnumerable<(string Name, short Error, string? Message)> results, string action)
    {
        var failures = results.Where(r => r.Error != 0).ToList();
        if (failures.Count == 0)
            return;
        var text = string.Join("; ", failures.Select(f =>
            $"{action} '{f.Name}' failed with {ErrorCodes.Name((ErrorCode)f.Error)}{(string.IsNullOrEmpty(f.Message) ? "" : $": {f.Message}")}"));
        throw new RunnelException((ErrorCode)failures[0].Error, text);
    }
}
