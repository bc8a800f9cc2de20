using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using RunnelError = Runnel.Protocol.ErrorCode;

namespace Runnel.IntegrationTests.Admin;

/// <summary>
/// Kafka 3.x's deprecated topic configs, DescribeConfigs synonyms and ListConfigResources, driven by Confluent.Kafka's
/// admin client (librdkafka) and raw requests.
/// </summary>
public sealed class ConfigCompatibilityTests
{
    [Fact]
    public async Task A_topic_created_with_deprecated_configs_is_described_with_kafkas_synonyms_and_enforces_the_difference()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["log.retention.ms"] = "3600000" });
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = "legacy",
            NumPartitions = 1,
            ReplicationFactor = 1,
            Configs = new Dictionary<string, string>
            {
                ["message.format.version"] = "2.8",
                ["message.timestamp.difference.max.ms"] = "60000",
                ["retention.ms"] = "1000",
            },
        }]);
        var resource = new ConfigResource { Type = ResourceType.Topic, Name = "legacy" };
        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "message.format.version", Value = "3.0-IV1", IncrementalOperation = AlterConfigOpType.Set }],
        });

        var described = Assert.Single(await admin.DescribeConfigsAsync([resource],
            new DescribeConfigsOptions())).Entries;
        Assert.Equal(("3.0-IV1", ConfigSource.DynamicTopicConfig), (described["message.format.version"].Value, described["message.format.version"].Source));
        Assert.Equal("9223372036854775807", described["message.timestamp.before.max.ms"].Value);
        var retention = described["retention.ms"];
        Assert.Equal(
        [
            ("retention.ms", "1000", ConfigSource.DynamicTopicConfig),
            ("log.retention.ms", "3600000", ConfigSource.StaticBrokerConfig),
            ("log.retention.hours", "168", ConfigSource.DefaultConfig),
        ], retention.Synonyms.Select(s => (s.Name, s.Value, s.Source)));
        Assert.Equal(ConfigSource.DefaultConfig, described["segment.ms"].Source);
        Assert.Empty(described["segment.ms"].Synonyms);

        // The difference bounds CreateTime in the past too, as Kafka 3.6+ maps it to message.timestamp.before.max.ms.
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, MessageTimeoutMs = 20_000 }).Build();
        var old = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync("legacy",
            new Message<Null, string> { Value = "old", Timestamp = new Timestamp(DateTime.UtcNow.AddHours(-2)) }));
        Assert.Equal(Confluent.Kafka.ErrorCode.InvalidTimestamp, old.Error.Code);
        var fresh = await producer.ProduceAsync("legacy", new Message<Null, string> { Value = "now", Timestamp = new Timestamp(DateTime.UtcNow) });
        Assert.Equal(PersistenceStatus.Persisted, fresh.Status);
    }

    [Fact]
    public async Task List_config_resources_lists_brokers_and_topics_and_refuses_types_the_version_lacks()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var versions = await connection.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest());
        var advertised = Assert.Single(versions.ApiKeys, k => k.ApiKey == (short)ApiKey.ListConfigResources);
        Assert.Equal((0, 1), (advertised.MinVersion, advertised.MaxVersion));
        var create = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
        {
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = "listed", NumPartitions = 1, ReplicationFactor = 1 }],
        });
        Assert.Equal(0, Assert.Single(create.Topics).ErrorCode);

        var all = await connection.RequestAsync<ListConfigResourcesResponse>(ApiKey.ListConfigResources, 1, new ListConfigResourcesRequest());
        Assert.Equal(0, all.ErrorCode);
        var nodeId = broker.Broker.Config.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(all.ConfigResources, r => r.ResourceType == 4 && r.ResourceName == nodeId);
        Assert.Contains(all.ConfigResources, r => r.ResourceType == 8 && r.ResourceName == nodeId);
        Assert.Contains(all.ConfigResources, r => r.ResourceType == 2 && r.ResourceName == "listed");

        var topics = await connection.RequestAsync<ListConfigResourcesResponse>(ApiKey.ListConfigResources, 1, new ListConfigResourcesRequest { ResourceTypes = [2] });
        Assert.All(topics.ConfigResources, r => Assert.Equal(2, r.ResourceType));
        var unknown = await connection.RequestAsync<ListConfigResourcesResponse>(ApiKey.ListConfigResources, 1, new ListConfigResourcesRequest { ResourceTypes = [2, 64] });
        Assert.Equal(((short)RunnelError.UnsupportedVersion, 0), (unknown.ErrorCode, unknown.ConfigResources.Count));
        var clientMetrics = await connection.RequestAsync<ListConfigResourcesResponse>(ApiKey.ListConfigResources, 0, new ListConfigResourcesRequest());
        Assert.Equal((0, 0), (clientMetrics.ErrorCode, clientMetrics.ConfigResources.Count));
    }
}
