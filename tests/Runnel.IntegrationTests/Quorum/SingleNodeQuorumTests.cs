using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Quorum;

/// <summary>
/// The default single node keeps its topics and configs in the metadata log: what an admin request was told is
/// done survives kill -9, and once enough records went by, a restart starts from a snapshot plus the log tail.
/// </summary>
public sealed class SingleNodeQuorumTests
{
    [Fact]
    public async Task Topics_created_altered_and_deleted_survive_kill_9_and_come_back_from_a_snapshot()
    {
        // A tiny snapshot threshold, so a few dozen topics make the node snapshot its image.
        await using var broker = await BrokerProcess.StartAsync(overrides: new Dictionary<string, string> { ["metadata.log.max.record.bytes.between.snapshots"] = "2048" });
        var kept = await QuorumRequests.CreateTopicAsync(broker.Bootstrap, "kept", 3, ("retention.ms", "123456"));
        Assert.Equal(0, kept.ErrorCode);
        Assert.Equal(0, (await QuorumRequests.CreateTopicAsync(broker.Bootstrap, "doomed", 1)).ErrorCode);
        for (var i = 0; i < 40; i++)
            Assert.Equal(0, (await QuorumRequests.CreateTopicAsync(broker.Bootstrap, $"bulk-{i}", 1)).ErrorCode);
        await using (var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap))
        {
            var altered = await connection.RequestAsync<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, new IncrementalAlterConfigsRequest
            {
                Resources = [new() { ResourceType = 2, ResourceName = "kept", Configs = [new() { Name = "cleanup.policy", ConfigOperation = 0, Value = "compact" }] }],
            });
            Assert.Equal(0, Assert.Single(altered.Responses).ErrorCode);
            var deleted = await connection.RequestAsync<DeleteTopicsResponse>(ApiKey.DeleteTopics, 6, new DeleteTopicsRequest { Topics = [new() { Name = "doomed" }], TimeoutMs = 30_000 });
            Assert.Equal(0, Assert.Single(deleted.Responses).ErrorCode);
        }
        var snapshots = Path.Combine(broker.DataDir, "__cluster_metadata", "snapshots");
        Assert.NotEmpty(Directory.GetFiles(snapshots, "*.checkpoint"));

        await broker.KillAsync();
        await broker.RestartAsync();

        Assert.Contains(broker.Output, line => line.Contains("loaded snapshot", StringComparison.Ordinal));
        var topics = await QuorumRequests.TopicsAsync(broker.Bootstrap);
        Assert.Equal((kept.TopicId, 3), topics["kept"]);
        Assert.DoesNotContain("doomed", topics.Keys);
        Assert.All(Enumerable.Range(0, 40), i => Assert.Contains($"bulk-{i}", topics.Keys));
        await using (var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap))
        {
            var configs = await connection.RequestAsync<DescribeConfigsResponse>(ApiKey.DescribeConfigs, 4, new DescribeConfigsRequest
            {
                Resources = [new() { ResourceType = 2, ResourceName = "kept", ConfigurationKeys = ["retention.ms", "cleanup.policy"] }],
            });
            var values = configs.Results[0].Configs.ToDictionary(c => c.Name, c => c.Value);
            Assert.Equal("123456", values["retention.ms"]);
            Assert.Equal("compact", values["cleanup.policy"]);
        }
        // The restarted node goes on committing: a new topic after the restart is acknowledged and served.
        Assert.Equal(0, (await QuorumRequests.CreateTopicAsync(broker.Bootstrap, "after", 2)).ErrorCode);
        Assert.Equal(2, (await QuorumRequests.TopicsAsync(broker.Bootstrap))["after"].Partitions);
    }

    [Fact]
    public async Task DescribeQuorum_names_the_lone_voter_where_it_listens_not_port_0()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var response = await connection.RequestAsync<DescribeQuorumResponse>(ApiKey.DescribeQuorum, 2, new DescribeQuorumRequest
        {
            Topics = [new() { TopicName = "__cluster_metadata", Partitions = [new() { PartitionIndex = 0 }] }],
        });
        var node = Assert.Single(response.Nodes);
        var listener = Assert.Single(node.Listeners);
        Assert.Equal(broker.Bootstrap, $"{listener.Host}:{listener.Port}");
        Assert.Equal(node.NodeId, response.Topics.Single().Partitions.Single().LeaderId);
    }
}
