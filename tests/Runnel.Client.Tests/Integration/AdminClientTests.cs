using Runnel.Client.Admin;
using Runnel.Client.Tests.Support;
using Runnel.Protocol;

namespace Runnel.Client.Tests.Integration;

/// <summary>The admin client against an in-process broker.</summary>
public sealed class AdminClientTests : IAsyncLifetime
{
    private TestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private RunnelAdminClient Admin() => new(new ClientOptions { BootstrapServers = _broker.BootstrapServers });

    [Fact]
    public async Task Topics_are_created_listed_described_and_deleted()
    {
        await using var admin = Admin();
        await admin.CreateTopicsAsync([new NewTopic("a", Partitions: 3), new NewTopic("b")]);

        Assert.Equal(["a", "b"], await admin.ListTopicsAsync());
        var a = Assert.Single(await admin.DescribeTopicsAsync(["a"]));
        Assert.Equal([0, 1, 2], a.Partitions.Select(p => p.Partition));
        Assert.All(a.Partitions, p =>
        {
            Assert.Equal(_broker.Broker.NodeId, p.Leader);
            Assert.Equal([_broker.Broker.NodeId], p.Replicas);
            Assert.Equal(0, p.EarliestOffset);
            Assert.Equal(0, p.LatestOffset);
        });
        Assert.NotEqual(Guid.Empty, a.TopicId);
        Assert.Single((await admin.DescribeTopicsAsync(["b"])).Single().Partitions); // broker default: one partition

        await admin.DeleteTopicsAsync(["a"]);
        Assert.Equal(["b"], await admin.ListTopicsAsync());
    }

    [Fact]
    public async Task Refusals_carry_kafkas_error_code()
    {
        await using var admin = Admin();
        await admin.CreateTopicsAsync([new NewTopic("dup", 1)]);
        var exists = await Assert.ThrowsAsync<RunnelException>(() => admin.CreateTopicsAsync([new NewTopic("dup", 1)]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, exists.ErrorCode);
        Assert.Contains("TOPIC_ALREADY_EXISTS", exists.Message, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<RunnelException>(() => admin.DescribeTopicsAsync(["nope"]));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, missing.ErrorCode);
        var deleteMissing = await Assert.ThrowsAsync<RunnelException>(() => admin.DeleteTopicsAsync(["nope"]));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, deleteMissing.ErrorCode);
    }

    [Fact]
    public async Task Configs_are_set_at_creation_altered_and_described()
    {
        await using var admin = Admin();
        await admin.CreateTopicsAsync([new NewTopic("c", 1) { Configs = new Dictionary<string, string> { ["retention.ms"] = "60000" } }]);
        var created = await admin.DescribeTopicConfigsAsync("c");
        var retention = Assert.Single(created, e => e.Name == "retention.ms");
        Assert.Equal("60000", retention.Value);
        Assert.True(retention.IsTopicOverride);

        await admin.AlterTopicConfigsAsync("c", [ConfigChange.Set("cleanup.policy", "compact"), ConfigChange.Delete("retention.ms")]);
        var altered = await admin.DescribeTopicConfigsAsync("c");
        Assert.Equal("compact", altered.Single(e => e.Name == "cleanup.policy").Value);
        Assert.False(altered.Single(e => e.Name == "retention.ms").IsTopicOverride);
    }

    [Fact]
    public async Task Partitions_are_added_and_the_cluster_described()
    {
        await using var admin = Admin();
        await admin.CreateTopicsAsync([new NewTopic("grow", 1)]);
        await admin.CreatePartitionsAsync("grow", 4);
        Assert.Equal(4, (await admin.DescribeTopicsAsync(["grow"])).Single().Partitions.Count);

        var cluster = await admin.DescribeClusterAsync();
        Assert.Equal(_broker.Broker.ClusterId, cluster.ClusterId);
        Assert.Equal(_broker.Broker.NodeId, cluster.ControllerId);
        Assert.Equal(_broker.BootstrapServers, Assert.Single(cluster.Brokers).Endpoint);
        Assert.Contains(cluster.ApiVersions, a => a.Key == ApiKey.Fetch);
    }
}
