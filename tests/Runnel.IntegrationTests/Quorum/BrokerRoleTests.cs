using System.Globalization;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Xunit.Abstractions;

namespace Runnel.IntegrationTests.Quorum;

/// <summary>
/// process.roles=broker: a broker-only process follows a quorum of three controller processes as an observer,
/// registers and stays unfenced by heartbeats, forwards admin requests to the active controller, and serves
/// clients (kcat, runnel) from the committed metadata. It survives kill -9 of the controller leader; killed itself, it
/// is fenced after its session timeout and, restarted, serves its data again.
/// </summary>
public sealed class BrokerRoleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_broker_only_node_lists_itself_serves_clients_and_forwards_topic_changes()
    {
        await using var cluster = await BrokerRoleCluster.StartAsync();
        var broker = cluster.Broker.Bootstrap;

        // Clients see the registered, unfenced broker, and it as the controller: they send it admin requests.
        var list = await KcatAsync(["-b", broker, "-L"]);
        Assert.Contains(" 1 brokers:", list.Stdout, StringComparison.Ordinal);
        Assert.Contains($"broker {BrokerRoleCluster.BrokerId} at {broker} (controller)", list.Stdout, StringComparison.Ordinal);

        // Auto-created by the producer's Metadata request (num.partitions=2 on the broker), then an explicit create.
        await ProduceAsync(broker, "auto-created", 0, 20);
        Assert.Equal(Values(0, 20), (await ConsumeAsync(broker, "auto-created")).Order());
        var created = await RunnelCli.RunAsync("topic", "create", "--topic", "explicit", "--partitions", "3", "--bootstrap-server", broker);
        Assert.True(created.ExitCode == 0, ExternalProcess.Describe(created));
        await ProduceAsync(broker, "explicit", 0, 30);
        Assert.Equal(Values(0, 30), (await ConsumeAsync(broker, "explicit")).Order());

        // Consumer groups live on the broker, in a __consumer_offsets the controllers placed there too.
        var grouped = await KcatAsync(["-b", broker, "-G", "readers", "explicit", "-o", "beginning", "-e", "-f", "%s\\n"]);
        Assert.Equal(Values(0, 30), grouped.Lines.Select(l => int.Parse(l, CultureInfo.InvariantCulture)).Order());
        var (rows, lag) = await RunnelCli.DescribeGroupAsync(broker, "readers");
        Assert.Equal(3, rows.Count);
        Assert.Equal(0, lag);

        // The controllers placed every partition on the one registered broker.
        var leaders = await PartitionLeadersAsync(broker, "auto-created", "explicit", "__consumer_offsets");
        Assert.Equal(2, leaders["auto-created"].Count);
        Assert.Equal(3, leaders["explicit"].Count);
        Assert.All(leaders.Values.SelectMany(l => l), leader => Assert.Equal(BrokerRoleCluster.BrokerId, leader));

        // Growing, reconfiguring and deleting through the broker: forwarded, and answered once applied here too.
        var altered = await RunnelCli.RunAsync("topic", "alter", "--topic", "explicit", "--partitions", "5", "--config", "retention.ms=3600000", "--bootstrap-server", broker);
        Assert.True(altered.ExitCode == 0, ExternalProcess.Describe(altered));
        var described = await RunnelCli.RunAsync("topic", "describe", "--topic", "explicit", "--bootstrap-server", broker);
        Assert.Contains("PartitionCount: 5", described.Stdout, StringComparison.Ordinal);
        Assert.Contains("retention.ms=3600000", described.Stdout, StringComparison.Ordinal);
        Assert.All((await PartitionLeadersAsync(broker, "explicit"))["explicit"], l => Assert.Equal(BrokerRoleCluster.BrokerId, l));
        var deleted = await RunnelCli.RunAsync("topic", "delete", "--topic", "auto-created", "--bootstrap-server", broker);
        Assert.True(deleted.ExitCode == 0, ExternalProcess.Describe(deleted));
        Assert.False((await QuorumRequests.TopicsAsync(broker)).ContainsKey("auto-created"));
        foreach (var controller in cluster.Controllers)
        {
            await QuorumRequests.UntilAsync(async () => (Dictionary<string, (Guid Id, int Partitions)>?)await QuorumRequests.TopicsAsync(controller.Bootstrap),
                t => !t.ContainsKey("auto-created") && t.TryGetValue("explicit", out var e) && e.Partitions == 5, TimeSpan.FromSeconds(10), $"the change on {controller.Bootstrap}");
        }

        // DescribeQuorum through the broker is answered by the leader: three voters, this broker as the observer.
        var quorum = await QuorumRequests.UntilAsync(() => QuorumRequests.DescribeAsync(broker), p => p.ErrorCode == 0 && p.Observers.Count == 1,
            TimeSpan.FromSeconds(10), "the quorum as the broker relays it");
        Assert.Equal([1, 2, 3], quorum.CurrentVoters.Select(v => v.ReplicaId).Order());
        Assert.Equal(BrokerRoleCluster.BrokerId, quorum.Observers[0].ReplicaId);
    }

    [Fact]
    public async Task The_broker_keeps_serving_when_the_controller_leader_is_killed_and_takes_topics_from_the_next()
    {
        await using var cluster = await BrokerRoleCluster.StartAsync();
        var broker = cluster.Broker.Bootstrap;
        var (leader, epoch) = await cluster.LeaderAsync((_, _) => true, TimeSpan.FromSeconds(30));
        var created = await RunnelCli.RunAsync("topic", "create", "--topic", "before", "--partitions", "2", "--bootstrap-server", broker);
        Assert.True(created.ExitCode == 0, ExternalProcess.Describe(created));
        await ProduceAsync(broker, "before", 0, 10);

        var killed = cluster.Controllers[leader - 1];
        await killed.KillAsync();
        await ProduceAsync(broker, "before", 10, 10);
        Assert.Equal(Values(0, 20), (await ConsumeAsync(broker, "before")).Order());

        var (newLeader, newEpoch) = await cluster.LeaderAsync((l, e) => l != leader && e > epoch, TimeSpan.FromSeconds(30), killed);
        output.WriteLine($"controller {leader} (epoch {epoch}) killed; {newLeader} leads epoch {newEpoch}");
        created = await RunnelCli.RunAsync("topic", "create", "--topic", "after", "--partitions", "2", "--bootstrap-server", broker);
        Assert.True(created.ExitCode == 0, ExternalProcess.Describe(created));
        await ProduceAsync(broker, "after", 0, 10);
        Assert.Equal(Values(0, 10), (await ConsumeAsync(broker, "after")).Order());
        Assert.All((await PartitionLeadersAsync(broker, "after"))["after"], l => Assert.Equal(BrokerRoleCluster.BrokerId, l));
        var list = await KcatAsync(["-b", broker, "-L"]);
        Assert.Contains($"broker {BrokerRoleCluster.BrokerId} at {broker}", list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_killed_is_fenced_and_once_restarted_keeps_its_data_and_takes_new_partitions()
    {
        await using var cluster = await BrokerRoleCluster.StartAsync();
        var broker = cluster.Broker.Bootstrap;
        var created = await RunnelCli.RunAsync("topic", "create", "--topic", "durable", "--partitions", "2", "--bootstrap-server", broker);
        Assert.True(created.ExitCode == 0, ExternalProcess.Describe(created));
        await ProduceAsync(broker, "durable", 0, 100);

        // Without heartbeats the broker is fenced once its session expires: the controllers then have no broker to
        // place a new partition on.
        await cluster.Broker.KillAsync();
        var (leader, _) = await cluster.LeaderAsync((_, _) => true, TimeSpan.FromSeconds(10));
        var probes = 0;
        await QuorumRequests.UntilAsync(
            async () => (CreateTopicsResponse.CreatableTopicResult?)await QuorumRequests.CreateTopicAsync(cluster.Controllers[leader - 1].Bootstrap, $"probe-{probes++}", 1),
            r => r.ErrorCode == (short)ErrorCode.InvalidReplicationFactor, TimeSpan.FromMilliseconds(BrokerRoleCluster.SessionTimeoutMs * 3), "the dead broker fenced");

        await cluster.Broker.RestartAsync();
        Assert.Equal(Values(0, 100), (await ConsumeAsync(broker, "durable")).Order());
        await ProduceAsync(broker, "durable", 100, 5);
        Assert.Equal(Values(0, 105), (await ConsumeAsync(broker, "durable")).Order());
        var list = await KcatAsync(["-b", broker, "-L"]);
        Assert.Contains($"broker {BrokerRoleCluster.BrokerId} at {broker} (controller)", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("topic \"durable\" with 2 partitions", list.Stdout, StringComparison.Ordinal);

        // Registered and unfenced again, it is where the controllers place new partitions.
        (leader, _) = await cluster.LeaderAsync((_, _) => true, TimeSpan.FromSeconds(10));
        Assert.Equal(0, (await QuorumRequests.CreateTopicAsync(cluster.Controllers[leader - 1].Bootstrap, "placed-again", 2)).ErrorCode);
        await QuorumRequests.UntilAsync(async () => (Dictionary<string, (Guid, int)>?)await QuorumRequests.TopicsAsync(broker), t => t.ContainsKey("placed-again"),
            TimeSpan.FromSeconds(10), "the broker serves a topic created on the controller");
        Assert.All((await PartitionLeadersAsync(broker, "placed-again"))["placed-again"], l => Assert.Equal(BrokerRoleCluster.BrokerId, l));
    }

    private static IEnumerable<int> Values(int from, int count) => Enumerable.Range(from, count);

    private static async Task<ProcessResult> KcatAsync(string[] args, string? stdin = null)
    {
        var result = await ExternalProcess.RunAsync("kcat", args, stdin, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, ExternalProcess.Describe(result));
        return result;
    }

    /// <summary>Produces values from..from+count-1 as "key-v:v" with acks=all.</summary>
    private static Task<ProcessResult> ProduceAsync(string broker, string topic, int from, int count)
    {
        var input = string.Concat(Values(from, count).Select(v => $"key-{v}:{v}\n"));
        return KcatAsync(["-b", broker, "-t", topic, "-P", "-K:", "-X", "acks=all"], input);
    }

    /// <summary>Every value in the topic, read from the beginning.</summary>
    private static async Task<List<int>> ConsumeAsync(string broker, string topic)
    {
        var result = await KcatAsync(["-b", broker, "-t", topic, "-C", "-e", "-o", "beginning", "-f", "%s\\n"]);
        return [.. result.Lines.Select(l => int.Parse(l, CultureInfo.InvariantCulture))];
    }

    /// <summary>Each topic's partition leaders as the broker's Metadata reports them.</summary>
    private static async Task<Dictionary<string, List<int>>> PartitionLeadersAsync(string broker, params string[] topics)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(broker);
        var metadata = await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest
        {
            Topics = [.. topics.Select(t => new MetadataRequest.MetadataRequestTopic { Name = t })],
            AllowAutoTopicCreation = false,
        });
        Assert.All(metadata.Topics, t => Assert.Equal(0, t.ErrorCode));
        return metadata.Topics.ToDictionary(t => t.Name!, t => t.Partitions.OrderBy(p => p.PartitionIndex).Select(p => p.LeaderId).ToList(), StringComparer.Ordinal);
    }
}
