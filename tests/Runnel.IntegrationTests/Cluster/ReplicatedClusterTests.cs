using System.Globalization;
using Confluent.Kafka;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.IntegrationTests.KafkaPython;
using Xunit.Abstractions;

namespace Runnel.IntegrationTests.Cluster;

/// <summary>
/// Real clients against three combined nodes: an RF3 topic is created, kcat sees its leaders, replicas and ISR as
/// Kafka would show them; Confluent.Kafka (idempotent, acks=all), kafka-python (acks=all) and KafkaJS (idempotent)
/// produce through different nodes, and everything is read back through yet another node, once per record. A leader
/// killed (-9) while Confluent.Kafka produces: leadership moves, every acknowledged record survives, and the node,
/// restarted, catches up and rejoins the ISR with a log identical to the others'.
/// </summary>
public sealed class ReplicatedClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Three_nodes_replicate_an_rf3_topic_for_every_client()
    {
        await using var cluster = await CombinedCluster.StartAsync();
        var created = await RunnelCli.RunAsync("topic", "create", "--topic", "orders", "--partitions", "3", "--replication-factor", "3",
            "--config", "min.insync.replicas=2", "--bootstrap-server", cluster.Node(1).Bootstrap);
        Assert.True(created.ExitCode == 0, ExternalProcess.Describe(created));

        var partitions = await ClusterMetadata.UntilAsync(cluster.Node(3).Bootstrap, "orders", p => p.Count == 3 && p.All(x => x.Isr.Length == 3), Wait, "a full ISR");
        Assert.Equal([1, 2, 3], partitions.Select(p => p.Leader).Order());
        Assert.All(partitions, p => Assert.Equal([1, 2, 3], p.Replicas.Order()));
        var listed = await ExternalProcess.RunAsync("kcat", ["-b", cluster.Node(2).Bootstrap, "-L", "-t", "orders"]);
        Assert.Contains(" 3 brokers:", listed.Stdout, StringComparison.Ordinal);
        foreach (var p in partitions)
            Assert.Contains($"partition {p.Partition}, leader {p.Leader}, replicas: {string.Join(',', p.Replicas)}, isrs: {string.Join(',', p.Isr)}", listed.Stdout, StringComparison.Ordinal);

        // Confluent.Kafka 2.16 through node 1, idempotent with acks=all.
        KafkaNative.EnsureLoaded();
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = cluster.Node(1).Bootstrap,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
        }).Build())
        {
            var sends = Enumerable.Range(0, 3000).Select(i => producer.ProduceAsync("orders", new Message<Null, string> { Value = $"dotnet-{i}" })).ToList();
            var results = await Task.WhenAll(sends);
            Assert.All(results, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
        }
        // kafka-python through node 2, acks=all.
        var python = await Python.RunAsync("produce_acks_all.py", cluster.Node(2).Bootstrap, "orders", "python", "1000");
        Assert.Equal(1000, python.Lines.Length);
        // KafkaJS through node 3, idempotent (acks=all).
        var js = await Fixtures.Node.RunAsync("idempotent_produce.js", cluster.Node(3).Bootstrap, "orders", "1000");
        Assert.Equal("sent", js.Lines[^1]);

        // Everything once, read through a node that leads only some of the partitions: kcat and kafka-python.
        var consumed = await ExternalProcess.RunAsync("kcat", ["-b", cluster.Node(2).Bootstrap, "-t", "orders", "-C", "-o", "beginning", "-e", "-q", "-f", "%s\\n"]);
        AssertOnceEach(consumed.Lines);
        var pythonRead = await Python.RunAsync("consume_all.py", cluster.Node(3).Bootstrap, "orders", "5000");
        AssertOnceEach(pythonRead.Lines);

        // Every replica holds the same bytes below the high watermark.
        await AssertReplicasIdenticalAsync(cluster, "orders", 3);
    }

    [Fact]
    public async Task A_killed_leader_loses_no_acknowledged_record_and_rejoins_the_isr()
    {
        await using var cluster = await CombinedCluster.StartAsync();
        var created = await RunnelCli.RunAsync("topic", "create", "--topic", "failover", "--partitions", "1", "--replication-factor", "3",
            "--config", "min.insync.replicas=2", "--bootstrap-server", cluster.Node(1).Bootstrap);
        Assert.True(created.ExitCode == 0, ExternalProcess.Describe(created));
        var before = (await ClusterMetadata.UntilAsync(cluster.Node(1).Bootstrap, "failover", p => p is [{ Isr.Length: 3 }], Wait, "a full ISR"))[0];

        KafkaNative.EnsureLoaded();
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = cluster.Bootstrap,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 2,
            MessageTimeoutMs = 60_000,
        }).Build();
        var sent = 0;
        async Task ProduceAsync(int count)
        {
            var sends = Enumerable.Range(sent, count).Select(i => (Value: $"v{i}", Task: producer.ProduceAsync("failover", new Message<Null, string> { Value = $"v{i}" }))).ToList();
            sent += count;
            foreach (var (value, task) in sends)
            {
                try
                {
                    if ((await task).Status == PersistenceStatus.Persisted)
                        acknowledged.Add(value);
                }
                catch (ProduceException<Null, string> e)
                {
                    output.WriteLine($"{value} not acknowledged: {e.Error}");
                }
            }
        }
        await ProduceAsync(2000);
        // Kill the leader while a batch is in flight.
        var inFlight = ProduceAsync(2000);
        var leader = cluster.Node(before.Leader);
        await leader.KillAsync();
        var killedAt = System.Diagnostics.Stopwatch.StartNew();
        var survivor = cluster.Nodes.First(n => n != leader);
        var after = (await ClusterMetadata.UntilAsync(survivor.Bootstrap, "failover", p => p is [{ Leader: >= 0 } x] && x.Leader != before.Leader, Wait, "a new leader"))[0];
        output.WriteLine($"leader {before.Leader} killed; leader {after.Leader} in epoch {after.LeaderEpoch} after {killedAt.ElapsedMilliseconds} ms, ISR {string.Join(',', after.Isr)}");
        Assert.True(after.LeaderEpoch > before.LeaderEpoch);
        Assert.DoesNotContain(before.Leader, after.Isr);
        await inFlight;
        await ProduceAsync(1000);
        Assert.True(acknowledged.Count >= 3000, $"only {acknowledged.Count} acknowledged");

        // Back: the killed node follows, catches up and rejoins the ISR.
        await leader.RestartAsync();
        await ClusterMetadata.UntilAsync(survivor.Bootstrap, "failover", p => p is [{ Isr.Length: 3 }], TimeSpan.FromSeconds(60), "the restarted node back in the ISR");
        var consumed = await ExternalProcess.RunAsync("kcat", ["-b", survivor.Bootstrap, "-t", "failover", "-C", "-o", "beginning", "-e", "-q", "-f", "%s\\n"]);
        var read = consumed.Lines.ToHashSet(StringComparer.Ordinal);
        var lost = acknowledged.Where(v => !read.Contains(v)).ToList();
        Assert.True(lost.Count == 0, $"acknowledged but lost: {lost.Count} (e.g. {string.Join(", ", lost.Take(5))})");
        Assert.Equal(consumed.Lines.Length, read.Count);
        await AssertReplicasIdenticalAsync(cluster, "failover", 1);
    }

    private static void AssertOnceEach(IReadOnlyList<string> values)
    {
        var expected = Enumerable.Range(0, 3000).Select(i => $"dotnet-{i}").Concat(Enumerable.Range(0, 1000).Select(i => $"python-{i}"))
            .Concat(Enumerable.Range(0, 1000).Select(i => i.ToString(CultureInfo.InvariantCulture))).Order(StringComparer.Ordinal);
        Assert.Equal(expected, values.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Each node's copy of every partition, read through the leader's high watermark as kcat sees it, byte-compared: the
    /// followers' logs (segment files on disk) begin with exactly the leader's batches.
    /// </summary>
    private static async Task AssertReplicasIdenticalAsync(CombinedCluster cluster, string topic, int partitions)
    {
        for (var p = 0; p < partitions; p++)
        {
            var partition = p;
            await Quorum.QuorumRequests.UntilAsync(() => Task.FromResult<string?>(SameLogs(cluster, topic, partition) ? "same" : null), _ => true, Wait,
                $"identical replicas of {topic}-{partition}");
        }
    }

    private static bool SameLogs(CombinedCluster cluster, string topic, int partition)
    {
        var copies = cluster.Nodes.Select(n => Path.Combine(n.DataDir, $"{topic}-{partition}")).Select(dir =>
            string.Join("|", Directory.GetFiles(dir, "*.log").Order(StringComparer.Ordinal).Select(f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))))).ToList();
        return copies.Distinct().Count() == 1;
    }
}
