using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Quorum;

/// <summary>Requests the quorum tests send over plain Kafka connections, and a bounded poll.</summary>
internal static class QuorumRequests
{
    /// <summary>DescribeQuorum's one partition as <paramref name="bootstrap"/> answers it (an error names its leader).</summary>
    public static async Task<DescribeQuorumResponse.PartitionData?> DescribeAsync(string bootstrap)
    {
        try
        {
            await using var connection = await RawKafkaConnection.ConnectAsync(bootstrap);
            var response = await connection.RequestAsync<DescribeQuorumResponse>(ApiKey.DescribeQuorum, 2, new DescribeQuorumRequest
            {
                Topics = [new() { TopicName = "__cluster_metadata", Partitions = [new() { PartitionIndex = 0 }] }],
            }).WaitAsync(TimeSpan.FromSeconds(5));
            return response.Topics.SelectMany(t => t.Partitions).Single();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return null;
        }
    }

    public static async Task<CreateTopicsResponse.CreatableTopicResult> CreateTopicAsync(string bootstrap, string name, int partitions, params (string Key, string Value)[] configs)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(bootstrap);
        var response = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
        {
            Topics = [new() { Name = name, NumPartitions = partitions, ReplicationFactor = 1, Configs = [.. configs.Select(c => new CreateTopicsRequest.CreatableTopicConfig { Name = c.Key, Value = c.Value })] }],
            timeoutMs = 30_000,
        });
        return Assert.Single(response.Topics);
    }

    /// <summary>Sets a cluster-wide broker config (IncrementalAlterConfigs on the default broker resource); its error code.</summary>
    public static async Task<short> SetBrokerConfigAsync(string bootstrap, string name, string value)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(bootstrap);
        var altered = await connection.RequestAsync<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, new IncrementalAlterConfigsRequest
        {
            Resources = [new() { ResourceType = 4, ResourceName = "", Configs = [new() { Name = name, ConfigOperation = 0, Value = value }] }],
        });
        return Assert.Single(altered.Responses).ErrorCode;
    }

    /// <summary>The cluster-wide broker configs a node knows were set dynamically, by name.</summary>
    public static async Task<Dictionary<string, string?>> DynamicBrokerConfigsAsync(string bootstrap)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(bootstrap);
        var described = await connection.RequestAsync<DescribeConfigsResponse>(ApiKey.DescribeConfigs, 4, new DescribeConfigsRequest
        {
            Resources = [new() { ResourceType = 4, ResourceName = "", ConfigurationKeys = null }],
        });
        return described.Results[0].Configs.Where(c => c.ConfigSource == 3).ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal);
    }

    /// <summary>The topics a node serves, by name: id and partition count.</summary>
    public static async Task<Dictionary<string, (Guid Id, int Partitions)>> TopicsAsync(string bootstrap)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(bootstrap);
        var metadata = await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest { Topics = null });
        return metadata.Topics.ToDictionary(t => t.Name!, t => (t.TopicId, t.Partitions.Count), StringComparer.Ordinal);
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, Func<T, bool> condition, TimeSpan timeout, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        T? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await probe();
            if (last is not null && condition(last))
                return last;
            await Task.Delay(50);
        }
        throw new TimeoutException($"{what}: not within {timeout.TotalSeconds} s (last: {last})");
    }
}
