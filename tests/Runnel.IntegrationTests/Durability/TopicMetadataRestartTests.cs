using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Durability;

/// <summary>Topics, their ids, partition counts (also after CreatePartitions) and configs survive a restart.</summary>
public sealed class TopicMetadataRestartTests
{
    [Fact]
    public async Task Topic_definitions_come_back_after_a_restart()
    {
        await using var broker = await BrokerFixture.StartAsync();
        Guid id;
        await using (var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap))
        {
            var created = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
            {
                Topics = [new() { Name = "kept", NumPartitions = 4, ReplicationFactor = 1, Configs = [new() { Name = "retention.ms", Value = "123456" }] }],
            });
            Assert.Equal(0, created.Topics[0].ErrorCode);
            id = created.Topics[0].TopicId;
            var grown = await connection.RequestAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, 3, new CreatePartitionsRequest
            {
                Topics = [new() { Name = "kept", Count = 6 }],
            });
            Assert.Equal(0, grown.Results[0].ErrorCode);
        }
        await broker.RestartAsync();
        await using (var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap))
        {
            var metadata = await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest { Topics = null });
            var topic = Assert.Single(metadata.Topics, t => !t.IsInternal);
            // The other topics keep their partitions too (here __consumer_offsets, created at start-up).
            Assert.Equal(50, Assert.Single(metadata.Topics, t => t.IsInternal).Partitions.Count);
            Assert.Equal(id, topic.TopicId);
            Assert.Equal(6, topic.Partitions.Count);
            var configs = await connection.RequestAsync<DescribeConfigsResponse>(ApiKey.DescribeConfigs, 4, new DescribeConfigsRequest
            {
                Resources = [new() { ResourceType = 2, ResourceName = "kept", ConfigurationKeys = ["retention.ms"] }],
            });
            var retention = Assert.Single(configs.Results[0].Configs);
            Assert.Equal("123456", retention.Value);
            Assert.Equal(1, retention.ConfigSource);
        }
    }
}
