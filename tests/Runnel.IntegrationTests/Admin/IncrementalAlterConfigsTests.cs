using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Cluster;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Admin;

/// <summary>
/// IncrementalAlterConfigs from Confluent.Kafka 2.16's AdminClient: the controller applies each key's operation to
/// its current image, so two clients changing different keys of one topic at once both keep their change, on the
/// active controller and through nodes that forward to it; the broker configs Kafka updates dynamically are taken and
/// the others get Kafka's INVALID_REQUEST.
/// </summary>
public sealed class IncrementalAlterConfigsTests
{
    internal static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    internal static IAdminClient Admin(string bootstrap)
    {
        KafkaNative.EnsureLoaded();
        return new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
    }

    internal static Task Set(IAdminClient admin, ConfigResource resource, string key, string value, AlterConfigOpType operation = AlterConfigOpType.Set)
        => admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = key, Value = value, IncrementalOperation = operation }],
        });

    internal static async Task<Dictionary<string, string>> TopicConfigsAsync(IAdminClient admin, string topic)
    {
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]);
        return described.Single().Entries.Values.Where(e => e.Source == ConfigSource.DynamicTopicConfig).ToDictionary(e => e.Name, e => e.Value);
    }

    /// <summary>Two clients, each setting its own key of <paramref name="topic"/> at the same moment, round after round.</summary>
    internal static async Task ConcurrentRoundsAsync(IAdminClient first, IAdminClient second, string topic, int rounds)
    {
        var resource = new ConfigResource { Type = ResourceType.Topic, Name = topic };
        for (var round = 1; round <= rounds; round++)
        {
            await Task.WhenAll(
                Set(first, resource, "retention.ms", $"{100_000 + round}"),
                Set(second, resource, "max.message.bytes", $"{10_000 + round}"),
                Set(first, resource, "cleanup.policy", "compact", round % 2 == 0 ? AlterConfigOpType.Append : AlterConfigOpType.Subtract));
        }
    }

    [Fact]
    public async Task Concurrent_changes_to_different_keys_of_one_topic_both_survive()
    {
        await using var broker = await BrokerFixture.StartAsync();
        using var first = Admin(broker.Bootstrap);
        using var second = Admin(broker.Bootstrap);
        await first.CreateTopicsAsync([new TopicSpecification { Name = "shared", NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["segment.ms"] = "3600000" } }]);

        await ConcurrentRoundsAsync(first, second, "shared", rounds: 10);

        var configs = await TopicConfigsAsync(first, "shared");
        Assert.Equal("100010", configs["retention.ms"]);
        Assert.Equal("10010", configs["max.message.bytes"]);
        Assert.Equal("delete,compact", configs["cleanup.policy"]);
        Assert.Equal("3600000", configs["segment.ms"]);
    }

    [Fact]
    public async Task Broker_configs_kafka_updates_dynamically_are_taken_and_the_rest_refused_with_kafkas_error()
    {
        await using var broker = await BrokerFixture.StartAsync();
        using var admin = Admin(broker.Bootstrap);
        // librdkafka names a broker; Runnel keeps a broker's changes as the cluster-wide defaults (resource "").
        var cluster = new ConfigResource { Type = ResourceType.Broker, Name = "1" };
        var dynamic = new Dictionary<string, string>
        {
            ["log.retention.ms"] = "3600000",
            ["log.segment.bytes"] = "2097152",
            ["message.max.bytes"] = "2000000",
            ["log.cleaner.threads"] = "2",
            ["log.cleaner.backoff.ms"] = "5000",
            ["num.io.threads"] = "12",
            ["num.replica.fetchers"] = "2",
        };
        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [cluster] = [.. dynamic.Select(d => new ConfigEntry { Name = d.Key, Value = d.Value, IncrementalOperation = AlterConfigOpType.Set })],
        });
        var described = (await admin.DescribeConfigsAsync([cluster])).Single().Entries;
        Assert.All(dynamic, d => Assert.Equal((d.Value, ConfigSource.DynamicDefaultBrokerConfig, false),
            (described[d.Key].Value, described[d.Key].Source, described[d.Key].IsReadOnly)));

        // A new topic takes the changed defaults.
        await admin.CreateTopicsAsync([new TopicSpecification { Name = "defaults", NumPartitions = 1, ReplicationFactor = 1 }]);
        var topic = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = "defaults" }])).Single().Entries;
        Assert.Equal(("3600000", ConfigSource.DynamicDefaultBrokerConfig), (topic["retention.ms"].Value, topic["retention.ms"].Source));
        Assert.Equal("2097152", topic["segment.bytes"].Value);

        async Task<(ErrorCode, string)> Refused(string name, string key, string value)
        {
            var e = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => Set(admin, new ConfigResource { Type = ResourceType.Broker, Name = name }, key, value));
            var report = Assert.Single(e.Results);
            return (report.Error.Code, report.Error.Reason);
        }
        Assert.Equal((ErrorCode.InvalidRequest, "Cannot update these configs dynamically: Set(node.id)"), await Refused("1", "node.id", "7"));
        Assert.Equal((ErrorCode.InvalidRequest, "Cannot update these configs dynamically: Set(log.retention.hours)"), await Refused("1", "log.retention.hours", "1"));
        Assert.Equal((ErrorCode.InvalidRequest, "Cannot update these configs dynamically: Set(listeners)"), await Refused("1", "listeners", "PLAINTEXT://127.0.0.1:1"));
        Assert.Equal((short)ErrorCode.InvalidRequest, await Quorum.QuorumRequests.SetBrokerConfigAsync(broker.Bootstrap, "listeners", "PLAINTEXT://127.0.0.1:1"));
        Assert.Equal((ErrorCode.InvalidRequest, "Dynamic thread count update validation failed for num.io.threads=100, value should not be greater than double the current value 12"),
            await Refused("1", "num.io.threads", "100"));
        Assert.Equal(ErrorCode.InvalidRequest, (await Refused("1", "log.segment.bytes", "tiny")).Item1);
        Assert.Equal("12", (await admin.DescribeConfigsAsync([cluster])).Single().Entries["num.io.threads"].Value);
    }
}

/// <summary>The same concurrent changes sent to two nodes that are not the active controller, which forward them to it.</summary>
[Collection(PartitionAdminClusterDefinition.Name)]
public sealed class ForwardedIncrementalAlterConfigsTests(PartitionAdminCluster cluster)
{
    [Fact]
    public async Task Concurrent_changes_through_forwarding_nodes_both_survive_on_every_node()
    {
        await cluster.CreateAsync("forwarded-configs", [1, 2]);
        var controller = await cluster.ControllerAsync();
        var others = Enumerable.Range(1, 3).Where(id => id != controller).ToList();
        using var first = IncrementalAlterConfigsTests.Admin(cluster.Node(others[0]).Bootstrap);
        using var second = IncrementalAlterConfigsTests.Admin(cluster.Node(others[1]).Bootstrap);

        await IncrementalAlterConfigsTests.ConcurrentRoundsAsync(first, second, "forwarded-configs", rounds: 6);

        foreach (var id in Enumerable.Range(1, 3))
        {
            using var admin = IncrementalAlterConfigsTests.Admin(cluster.Node(id).Bootstrap);
            await Quorum.QuorumRequests.UntilAsync(async () => await IncrementalAlterConfigsTests.TopicConfigsAsync(admin, "forwarded-configs"),
                configs => configs.GetValueOrDefault("retention.ms") == "100006" && configs.GetValueOrDefault("max.message.bytes") == "10006"
                    && configs.GetValueOrDefault("cleanup.policy") == "delete,compact",
                IncrementalAlterConfigsTests.Wait, $"both changes on node {id}");
        }
    }
}
