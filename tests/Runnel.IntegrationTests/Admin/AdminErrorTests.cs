using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Admin;

/// <summary>Admin requests get Kafka's error codes for bad names, replication factors, configs and policies.</summary>
public sealed class AdminErrorTests
{
    public static TheoryData<string, ErrorCode> BadTopics() => new()
    {
        { "../../etc", ErrorCode.InvalidTopicException },
        { "a/b", ErrorCode.InvalidTopicException },
        { "..", ErrorCode.InvalidTopicException },
        { new string('x', 250), ErrorCode.InvalidTopicException },
        { "", ErrorCode.InvalidTopicException },
    };

    [Theory]
    [MemberData(nameof(BadTopics))]
    public async Task Illegal_topic_names_are_refused_and_create_nothing_on_disk(string name, ErrorCode expected)
    {
        await using var broker = await BrokerFixture.StartAsync();
        var reply = await CreateAsync(broker, new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = 1, ReplicationFactor = 1 });
        Assert.Equal((short)expected, reply.ErrorCode);
        Assert.DoesNotContain(Directory.GetDirectories(broker.DataDir), d => !Path.GetFileName(d).StartsWith("__", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Replication_factor_above_the_broker_count_is_invalid_replication_factor()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var reply = await CreateAsync(broker, new CreateTopicsRequest.CreatableTopic { Name = "rf3", NumPartitions = 1, ReplicationFactor = 3 });
        Assert.Equal((short)ErrorCode.InvalidReplicationFactor, reply.ErrorCode);
    }

    [Fact]
    public async Task Bad_configs_are_invalid_config_and_an_impossible_one_a_policy_violation()
    {
        await using var broker = await BrokerFixture.StartAsync();
        Assert.Equal((short)ErrorCode.InvalidConfig, (await CreateAsync(broker, Topic("c1", ("retention.ms", "soon")))).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidConfig, (await CreateAsync(broker, Topic("c2", ("no.such.config", "1")))).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidConfig, (await CreateAsync(broker, Topic("c3", ("cleanup.policy", "shred")))).ErrorCode);
        Assert.Equal((short)ErrorCode.PolicyViolation, (await CreateAsync(broker, Topic("c4", ("max.message.bytes", "2000000000")))).ErrorCode);
        Assert.Equal((short)ErrorCode.None, (await CreateAsync(broker, Topic("c5", ("cleanup.policy", "compact,delete")))).ErrorCode);
    }

    [Fact]
    public async Task Validate_only_creates_nothing_and_duplicates_are_refused()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var check = await CreateAsync(broker, Topic("checked"), validateOnly: true);
        Assert.Equal(0, check.ErrorCode);
        Assert.Null(broker.Broker.Services.Topics.Find("checked"));
        Assert.Equal(0, (await CreateAsync(broker, Topic("twice"))).ErrorCode);
        Assert.Equal((short)ErrorCode.TopicAlreadyExists, (await CreateAsync(broker, Topic("twice"))).ErrorCode);
    }

    [Fact]
    public async Task Idle_connections_are_closed_after_connections_max_idle_ms()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["connections.max.idle.ms"] = "300" });
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await connection.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 0, new ApiVersionsRequest());
        Assert.True(await connection.IsClosedByBrokerAsync(TimeSpan.FromSeconds(10)));
    }

    private static CreateTopicsRequest.CreatableTopic Topic(string name, params (string Key, string Value)[] configs) => new()
    {
        Name = name,
        NumPartitions = 1,
        ReplicationFactor = 1,
        Configs = [.. configs.Select(c => new CreateTopicsRequest.CreatableTopicConfig { Name = c.Key, Value = c.Value })],
    };

    private static async Task<CreateTopicsResponse.CreatableTopicResult> CreateAsync(BrokerFixture broker, CreateTopicsRequest.CreatableTopic topic, bool validateOnly = false)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var response = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest { Topics = [topic], validateOnly = validateOnly });
        return Assert.Single(response.Topics);
    }
}
