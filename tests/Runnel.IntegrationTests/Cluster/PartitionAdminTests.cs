using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Xunit.Abstractions;
using RunnelError = Runnel.Protocol.ErrorCode;

namespace Runnel.IntegrationTests.Cluster;

/// <summary>
/// The partition admin APIs against three combined nodes, with real clients: KafkaJS moves an RF2 partition to other
/// brokers (listed while it moves, gone once done, at the leader-side throttle's pace) and gets Kafka's errors for bad
/// moves that change nothing; Confluent.Kafka 2.16 (librdkafka 2.16) elects the preferred leader back after it
/// returns and describes topics; DescribeTopicPartitions pages as KIP-966 says.
/// </summary>
public sealed class PartitionAdminTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Kafkajs_moves_a_partition_to_other_brokers_and_every_record_stays_readable()
    {
        // 100 KB/s to replicas being added: the move of ~400 KB takes seconds, so it is seen in progress.
        await using var cluster = await CombinedCluster.StartAsync(new Dictionary<string, string> { ["leader.replication.throttled.rate"] = "100000" });
        await using (var connection = await RawKafkaConnection.ConnectAsync(cluster.Node(2).Bootstrap))
        {
            // ApiVersions advertises exactly the versions served.
            var versions = (await connection.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest())).ApiKeys.ToDictionary(k => (ApiKey)k.ApiKey);
            Assert.Equal(((short)0, (short)2), (versions[ApiKey.ElectLeaders].MinVersion, versions[ApiKey.ElectLeaders].MaxVersion));
            foreach (var api in new[] { ApiKey.AlterPartitionReassignments, ApiKey.ListPartitionReassignments, ApiKey.DescribeTopicPartitions })
                Assert.Equal(((short)0, (short)0), (versions[api].MinVersion, versions[api].MaxVersion));
        }
        await CreateAsync(cluster.Node(1).Bootstrap, "moving", [1, 2]);
        await ClusterMetadata.UntilAsync(cluster.Node(3).Bootstrap, "moving", p => p is [{ Leader: 1, Isr.Length: 2 }], Wait, "leader 1 with a full ISR");
        KafkaNative.EnsureLoaded();
        Assert.StartsWith("2.16", Library.VersionString, StringComparison.Ordinal);
        await ProduceAsync(cluster.Bootstrap, "moving", 0, 2000);

        var moved = await Fixtures.Node.RunAsync("reassign.js", "reassign", cluster.Node(2).Bootstrap, "moving", "0", "3,2");
        output.WriteLine(moved.Stdout);
        var listed = JsonDocument.Parse(moved.Lines.Single(l => l.StartsWith("listed ", StringComparison.Ordinal))["listed ".Length..]).RootElement;
        var ongoing = listed[0].GetProperty("partitions")[0];
        Assert.Equal([3, 2, 1], ongoing.GetProperty("replicas").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([3], ongoing.GetProperty("addingReplicas").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([1], ongoing.GetProperty("removingReplicas").EnumerateArray().Select(e => e.GetInt32()));
        var tookMs = long.Parse(moved.Lines.Single(l => l.StartsWith("completed ", StringComparison.Ordinal))["completed ".Length..], CultureInfo.InvariantCulture);
        // The new replica could not fetch ~400 KB faster than the throttle's first second's worth plus 100 KB/s.
        Assert.True(tookMs >= 2000, $"the move took {tookMs} ms, faster than leader.replication.throttled.rate allows");

        // Done: the target replicas, both in sync; the leader moved off the removed broker 1.
        var after = (await ClusterMetadata.UntilAsync(cluster.Node(1).Bootstrap, "moving", p => p is [{ Replicas: [3, 2], Isr.Length: 2 }], Wait, "the target in force"))[0];
        Assert.NotEqual(1, after.Leader);
        Assert.Equal([2, 3], after.Isr.Order());

        await ProduceAsync(cluster.Bootstrap, "moving", 2000, 1000);
        Assert.Equal(Enumerable.Range(0, 3000).Select(Value), await ConsumeAsync(cluster.Node(1).Bootstrap, "moving", 3000));

        // Refused moves: Kafka's error for each, and the partition stays as it is.
        var bad = await Fixtures.Node.RunAsync("reassign.js", "bad", cluster.Node(1).Bootstrap, "moving");
        output.WriteLine(bad.Stdout);
        Assert.Equal(["unknown-broker INVALID_REPLICA_ASSIGNMENT", "empty INVALID_REPLICA_ASSIGNMENT", "duplicate INVALID_REPLICA_ASSIGNMENT",
            "unknown-partition UNKNOWN_TOPIC_OR_PARTITION", "unknown-topic UNKNOWN_TOPIC_OR_PARTITION"], bad.Lines);
        await using (var connection = await RawKafkaConnection.ConnectAsync(cluster.Node(3).Bootstrap))
        {
            var cancel = await connection.RequestAsync<AlterPartitionReassignmentsResponse>(ApiKey.AlterPartitionReassignments, 0, new AlterPartitionReassignmentsRequest
            {
                Topics = [new() { Name = "moving", Partitions = [new() { PartitionIndex = 0, Replicas = null }] }],
            });
            Assert.Equal((short)RunnelError.NoReassignmentInProgress, cancel.Responses[0].Partitions[0].ErrorCode);
            var list = await connection.RequestAsync<ListPartitionReassignmentsResponse>(ApiKey.ListPartitionReassignments, 0, new ListPartitionReassignmentsRequest { Topics = null });
            Assert.Equal(0, list.ErrorCode);
            Assert.Empty(list.Topics);
        }
        var unchanged = (await ClusterMetadata.PartitionsAsync(cluster.Node(2).Bootstrap, "moving"))[0];
        Assert.Equal((after.Leader, after.LeaderEpoch), (unchanged.Leader, unchanged.LeaderEpoch));
        Assert.Equal(after.Replicas, unchanged.Replicas);
        Assert.Equal(after.Isr.Order(), unchanged.Isr.Order());
    }

    [Fact]
    public async Task Confluent_elects_the_preferred_leader_back_after_it_returns_and_describes_topics()
    {
        await using var cluster = await CombinedCluster.StartAsync(new Dictionary<string, string> { ["auto.leader.rebalance.enable"] = "false" });
        KafkaNative.EnsureLoaded();
        Assert.StartsWith("2.16", Library.VersionString, StringComparison.Ordinal);
        // The preferred leader is a node that is not the active controller, so killing it costs no quorum election.
        var quorum = await Quorum.QuorumRequests.UntilAsync(() => Quorum.QuorumRequests.DescribeAsync(cluster.Node(1).Bootstrap), q => q.LeaderId > 0, Wait, "a quorum leader");
        var controller = quorum.LeaderId;
        var preferred = Enumerable.Range(1, 3).First(id => id != controller);
        var third = 6 - controller - preferred;
        await CreateAsync(cluster.Node(controller).Bootstrap, "elect", [preferred, controller, third]);
        await CreateAsync(cluster.Node(controller).Bootstrap, "paged", [1], [2], [3]);
        var survivor = cluster.Node(controller).Bootstrap;
        await ClusterMetadata.UntilAsync(survivor, "elect", p => p is [{ Isr.Length: 3 }] && p[0].Leader == preferred, Wait, "the preferred leader with a full ISR");

        await cluster.Node(preferred).KillAsync();
        var moved = (await ClusterMetadata.UntilAsync(survivor, "elect", p => p[0].Leader == controller && p[0].Offline.Length == 1, Wait, "leadership moved, one replica offline"))[0];
        Assert.Equal([preferred], moved.Offline);
        Assert.DoesNotContain(preferred, moved.Isr);
        // DescribeTopicPartitions says the same.
        var described = Assert.Single((await DescribeTopicPartitionsAsync(survivor, ["elect"], 10, null)).Topics);
        var partition = Assert.Single(described.Partitions);
        Assert.Equal((controller, moved.LeaderEpoch), (partition.LeaderId, partition.LeaderEpoch));
        Assert.Equal([preferred], partition.OfflineReplicas);
        Assert.Equal([preferred, controller, third], partition.ReplicaNodes);
        Assert.Empty(partition.EligibleLeaderReplicas!);

        using var admin = AdminFor(survivor, out var log);
        // Not in sync: the preferred replica cannot lead yet.
        var notYet = await Assert.ThrowsAsync<ElectLeadersException>(() => admin.ElectLeadersAsync(ElectionType.Preferred, [new TopicPartition("elect", 0)]));
        Assert.Equal(RunnelError.PreferredLeaderNotAvailable, (RunnelError)(int)notYet.Results.TopicPartitions.Single().Error.Code);

        await cluster.Node(preferred).RestartAsync();
        await ClusterMetadata.UntilAsync(survivor, "elect", p => p is [{ Isr.Length: 3, Offline.Length: 0 }], TimeSpan.FromSeconds(60), "the restarted node back in the ISR");
        Assert.Equal(controller, (await ClusterMetadata.PartitionsAsync(survivor, "elect"))[0].Leader);

        var elected = await admin.ElectLeadersAsync(ElectionType.Preferred, [new TopicPartition("elect", 0)]);
        Assert.Equal(Confluent.Kafka.ErrorCode.NoError, elected.TopicPartitions.Single().Error.Code);
        var back = (await ClusterMetadata.UntilAsync(survivor, "elect", p => p[0].Leader == preferred, Wait, "the preferred leader back"))[0];
        Assert.True(back.LeaderEpoch > moved.LeaderEpoch);
        var again = await Assert.ThrowsAsync<ElectLeadersException>(() => admin.ElectLeadersAsync(ElectionType.Preferred, [new TopicPartition("elect", 0)]));
        Assert.Equal(RunnelError.ElectionNotNeeded, (RunnelError)(int)again.Results.TopicPartitions.Single().Error.Code);
        var unknown = await Assert.ThrowsAsync<ElectLeadersException>(() => admin.ElectLeadersAsync(ElectionType.Unclean, [new TopicPartition("elect", 4)]));
        Assert.Equal(RunnelError.UnknownTopicOrPartition, (RunnelError)(int)unknown.Results.TopicPartitions.Single().Error.Code);
        var still = (await ClusterMetadata.PartitionsAsync(survivor, "elect"))[0];
        Assert.Equal((back.Leader, back.LeaderEpoch), (still.Leader, still.LeaderEpoch));

        // Confluent.Kafka's DescribeTopicsAsync: librdkafka 2.16 describes topics with Metadata (it has no
        // DescribeTopicPartitions request), which the debug log of the requests it sent shows.
        log.Clear();
        var topics = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames(["elect", "paged"]), new DescribeTopicsOptions { IncludeAuthorizedOperations = true });
        var elect = topics.TopicDescriptions.Single(t => t.Name == "elect");
        Assert.Equal(preferred, elect.Partitions.Single().Leader.Id);
        Assert.Equal([preferred, controller, third], elect.Partitions.Single().Replicas.Select(r => r.Id));
        Assert.Equal(3, elect.Partitions.Single().ISR.Count);
        Assert.Contains(AclOperation.Describe, elect.AuthorizedOperations);
        Assert.Equal(3, topics.TopicDescriptions.Single(t => t.Name == "paged").Partitions.Count);
        var sent = log.Where(l => l.Contains("Sent ", StringComparison.Ordinal)).ToList();
        output.WriteLine(string.Join('\n', sent));
        Assert.Contains(sent, l => l.Contains("MetadataRequest", StringComparison.Ordinal));
        Assert.DoesNotContain(sent, l => l.Contains("DescribeTopicPartitions", StringComparison.Ordinal));

        // DescribeTopicPartitions pages: two partitions per answer, in name order (an unknown name answered in its
        // place), with the cursor where it stopped.
        var first = await DescribeTopicPartitionsAsync(survivor, ["paged", "elect", "nope"], 2, null);
        Assert.Equal(["elect", "nope", "paged"], first.Topics.Select(t => t.Name));
        Assert.Equal(((short)RunnelError.UnknownTopicOrPartition, int.MinValue), (first.Topics[1].ErrorCode, first.Topics[1].TopicAuthorizedOperations));
        Assert.Equal([0], first.Topics[2].Partitions.Select(p => p.PartitionIndex));
        Assert.Equal(("paged", 1), (first.NextCursor!.TopicName, first.NextCursor.PartitionIndex));
        Assert.Equal(MetadataHandlerOperations, first.Topics[0].TopicAuthorizedOperations);
        var rest = await DescribeTopicPartitionsAsync(survivor, ["paged", "elect", "nope"], 2, first.NextCursor);
        Assert.Equal(["paged"], rest.Topics.Select(t => t.Name));
        Assert.Equal([1, 2], rest.Topics[0].Partitions.Select(p => p.PartitionIndex));
        Assert.Null(rest.NextCursor);
    }

    /// <summary>Every topic operation as an ACL bit set (read, write, create, delete, alter, describe, describe/alter configs).</summary>
    private const int MetadataHandlerOperations = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);

    private static string Value(int i) => $"record-{i:D6}-{new string('x', 180)}";

    /// <summary>Creates a topic with the given replicas per partition (CreateTopics v7).</summary>
    private static async Task CreateAsync(string bootstrap, string name, params int[][] assignments)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(bootstrap);
        var response = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
        {
            Topics = [new() { Name = name, NumPartitions = -1, ReplicationFactor = -1,
                Assignments = [.. assignments.Select((replicas, p) => new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = p, BrokerIds = [.. replicas] })] }],
            timeoutMs = 30_000,
        });
        Assert.Equal(0, Assert.Single(response.Topics).ErrorCode);
    }

    private static async Task<DescribeTopicPartitionsResponse> DescribeTopicPartitionsAsync(string bootstrap, string[] topics, int limit, DescribeTopicPartitionsResponse.Cursor? cursor)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(bootstrap);
        return await connection.RequestAsync<DescribeTopicPartitionsResponse>(ApiKey.DescribeTopicPartitions, 0, new DescribeTopicPartitionsRequest
        {
            Topics = [.. topics.Select(t => new DescribeTopicPartitionsRequest.TopicRequest { Name = t })],
            ResponsePartitionLimit = limit,
            Cursor = cursor is null ? null : new DescribeTopicPartitionsRequest.CursorData { TopicName = cursor.TopicName, PartitionIndex = cursor.PartitionIndex },
        });
    }

    /// <summary>Confluent.Kafka's admin client, logging (debug=protocol) the requests librdkafka sends.</summary>
    private static IAdminClient AdminFor(string bootstrap, out System.Collections.Concurrent.ConcurrentQueue<string> log)
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        log = lines;
        return new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap, Debug = "protocol" })
            .SetLogHandler((_, message) => lines.Enqueue(message.Message))
            .Build();
    }

    /// <summary>Produces records <paramref name="from"/> onwards (idempotent, acks=all, 50 per batch) to partition 0.</summary>
    private static async Task ProduceAsync(string bootstrap, string topic, int from, int count)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            // Batches of ~10 KB: a replica's fetch always returns at least one batch, so the throttle can only pace many.
            BatchNumMessages = 50,
        }).Build();
        var sends = Enumerable.Range(from, count).Select(i => producer.ProduceAsync(new TopicPartition(topic, 0), new Message<Null, string> { Value = Value(i) })).ToList();
        Assert.All(await Task.WhenAll(sends), r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
    }

    /// <summary>Reads partition 0 from the beginning until <paramref name="count"/> records came (bounded).</summary>
    private static Task<List<string>> ConsumeAsync(string bootstrap, string topic, int count) => Task.Run(() =>
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "partition-admin-tests",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + Wait;
        while (values.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message: { } message })
                values.Add(message.Value);
        }
        return values;
    });
}
