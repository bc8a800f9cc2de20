using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Admin;

/// <summary>Configs, partition counts and the cluster description.</summary>
public sealed partial class RunnelAdminClient
{
    private const sbyte TopicResource = 2;

    /// <summary>Every config of a topic with its value and where the value comes from.</summary>
    public async Task<IReadOnlyList<ConfigEntry>> DescribeTopicConfigsAsync(string topic, CancellationToken cancellationToken = default)
    {
        var connection = await _cluster.AnyAsync(cancellationToken).ConfigureAwait(false);
        var version = connection.Versions.Negotiate(ApiKey.DescribeConfigs);
        var request = new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = TopicResource, ResourceName = topic, ConfigurationKeys = null }],
        };
        var response = await connection.SendAsync<DescribeConfigsResponse>(ApiKey.DescribeConfigs, request, cancellationToken, version).ConfigureAwait(false);
        var result = response.Results.Find(r => r.ResourceName == topic)
            ?? throw new RunnelException($"DescribeConfigs answered without topic '{topic}'.");
        RunnelException.ThrowIfError(result.ErrorCode, $"Describing configs of topic '{topic}'", result.ErrorMessage);
        return [.. result.Configs.Select(c => new ConfigEntry(
            c.Name,
            c.Value,
            // v0 has only is_default; for a topic a non-default value is a topic override.
            version == 0 ? c.IsDefault ? ConfigSource.Default : ConfigSource.DynamicTopic : (ConfigSource)c.ConfigSource,
            c.ReadOnly,
            c.IsSensitive)).OrderBy(c => c.Name, StringComparer.Ordinal)];
    }

    /// <summary>Changes individual topic configs (IncrementalAlterConfigs); configs not named keep their values.</summary>
    public async Task AlterTopicConfigsAsync(string topic, IEnumerable<ConfigChange> changes, CancellationToken cancellationToken = default)
    {
        var connection = await _cluster.AnyAsync(cancellationToken).ConfigureAwait(false);
        var request = new IncrementalAlterConfigsRequest
        {
            Resources =
            [
                new IncrementalAlterConfigsRequest.AlterConfigsResource
                {
                    ResourceType = TopicResource,
                    ResourceName = topic,
                    Configs = [.. changes.Select(c => new IncrementalAlterConfigsRequest.AlterableConfig
                    {
                        Name = c.Name,
                        ConfigOperation = (sbyte)c.Operation,
                        Value = c.Value,
                    })],
                },
            ],
        };
        var response = await connection.SendAsync<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, request, cancellationToken).ConfigureAwait(false);
        ThrowIfAnyFailed(response.Responses.Select(r => (r.ResourceName, r.ErrorCode, r.ErrorMessage)), "Altering configs of topic");
    }

    /// <summary>Grows a topic to <paramref name="totalCount"/> partitions (Kafka never shrinks one).</summary>
    public async Task CreatePartitionsAsync(string topic, int totalCount, CancellationToken cancellationToken = default)
    {
        var connection = await _cluster.ControllerAsync(cancellationToken).ConfigureAwait(false);
        var request = new CreatePartitionsRequest
        {
            Topics = [new CreatePartitionsRequest.CreatePartitionsTopic { Name = topic, Count = totalCount, Assignments = null }],
            TimeoutMs = TimeoutMs,
        };
        var response = await connection.SendAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, request, cancellationToken).ConfigureAwait(false);
        ThrowIfAnyFailed(response.Results.Select(r => (r.Name, r.ErrorCode, r.ErrorMessage)), "Adding partitions to topic");
    }

    /// <summary>
    /// The cluster id, controller and brokers (DescribeCluster when the broker serves it, else Metadata), plus the
    /// API ranges the answering broker advertised.
    /// </summary>
    public async Task<ClusterDescription> DescribeClusterAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _cluster.AnyAsync(cancellationToken).ConfigureAwait(false);
        var apis = connection.Versions.BrokerRanges
            .OrderBy(a => a.Key)
            .Select(a => new ApiVersionRange(a.Key, ApiCatalog.Find((short)a.Key)?.Name ?? $"Unknown({(short)a.Key})", a.Value.Min, a.Value.Max))
            .ToList();
        if (connection.Versions.Supports(ApiKey.DescribeCluster))
        {
            var response = await connection.SendAsync<DescribeClusterResponse>(ApiKey.DescribeCluster, new DescribeClusterRequest(), cancellationToken).ConfigureAwait(false);
            RunnelException.ThrowIfError(response.ErrorCode, "DescribeCluster", response.ErrorMessage);
            var brokers = response.Brokers.Select(b => new BrokerNode(b.BrokerId, b.Host, b.Port, b.Rack)).OrderBy(b => b.NodeId).ToList();
            return new ClusterDescription(response.ClusterId, response.ControllerId, brokers) { ApiVersions = apis };
        }
        var metadata = await _cluster.RefreshAsync(topics: [], allowAutoCreate: false, cancellationToken).ConfigureAwait(false);
        return new ClusterDescription(metadata.ClusterId, metadata.ControllerId, [.. metadata.Brokers.Values.OrderBy(b => b.NodeId)]) { ApiVersions = apis };
    }
}
