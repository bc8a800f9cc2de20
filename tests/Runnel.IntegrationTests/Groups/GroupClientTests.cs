using System.Globalization;
using System.Text;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Groups;

/// <summary>
/// kcat's balanced consumer (-G) and KafkaJS's consumer read a topic completely in a group, and what they commit
/// is what <c>runnel group describe</c> reports, with lag = log end - committed; commits survive a restart.
/// </summary>
public sealed class GroupClientTests
{
    private const int Count = 900;

    [Fact]
    public async Task Kcat_balanced_consumer_reads_everything_commits_and_resumes_after_a_broker_restart()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "3" });
        const string topic = "kcat-group", group = "kcat-readers";
        await KcatProduce(broker, topic, 0, Count);

        var first = await KcatGroupConsume(broker, topic, group);
        Assert.Equal(Enumerable.Range(0, Count), first.Order());
        await AssertLagAsync(broker, group, expectedTotal: 0);

        await KcatProduce(broker, topic, Count, 60);
        var (rows, total) = await RunnelCli.DescribeGroupAsync(broker.Bootstrap, group);
        Assert.Equal(60, total);
        Assert.All(rows.Values, r => Assert.Equal(r.End - r.Committed, r.Lag));

        // The committed offsets are in __consumer_offsets: after a restart a new member resumes right after them.
        await broker.RestartAsync();
        await AssertLagAsync(broker, group, expectedTotal: 60);
        var resumed = await KcatGroupConsume(broker, topic, group);
        Assert.Equal(Enumerable.Range(Count, 60), resumed.Order());
        await AssertLagAsync(broker, group, expectedTotal: 0);
    }

    [Fact]
    public async Task KafkaJs_consumer_reads_everything_and_its_commits_show_in_describe()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "3" });
        const string topic = "kafkajs-group", group = "kafkajs-readers";
        await KcatProduce(broker, topic, 0, Count);
        var consumed = await Node.RunAsync("group_consume.js", broker.Bootstrap, topic, group, Count.ToString(CultureInfo.InvariantCulture));
        var values = consumed.Lines.Where(l => l != "done").Select(l => int.Parse(l.Split(' ')[2], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(0, Count), values.Distinct().Order());
        Assert.Equal("done", consumed.Lines[^1]);
        await AssertLagAsync(broker, group, expectedTotal: 0);
    }

    /// <summary>
    /// librdkafka's cooperative-sticky assignor (incremental rebalancing, as franz-go uses by default): two members
    /// join one after the other, so the second join is an incremental rebalance; between them they read everything.
    /// </summary>
    [Fact]
    public async Task Kcat_members_with_cooperative_sticky_share_a_topic_and_read_it_completely()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "6" });
        const string topic = "coop", group = "coop-readers";
        await KcatProduce(broker, topic, 0, Count);
        string[] args = ["-b", broker.Bootstrap, "-G", group, "-X", "auto.offset.reset=earliest", "-X", "partition.assignment.strategy=cooperative-sticky",
            "-X", "enable.auto.commit=true", "-X", "auto.commit.interval.ms=100", "-X", "debug=cgrp", "-e", "-f", "%p %o %s\\n", topic];
        var first = ExternalProcess.RunAsync("kcat", args, timeout: TimeSpan.FromSeconds(90));
        var second = ExternalProcess.RunAsync("kcat", args, timeout: TimeSpan.FromSeconds(90));
        var results = await Task.WhenAll(first, second);
        Assert.All(results, r => Assert.True(r.ExitCode == 0, ExternalProcess.Describe(r)));
        // The coordinator chose the cooperative protocol both members listed (librdkafka logs the JoinGroup reply).
        Assert.All(results, r => Assert.Contains("Protocol cooperative-sticky", r.Stderr, StringComparison.Ordinal));
        var values = results.SelectMany(r => r.Lines).Select(l => int.Parse(l.Split(' ')[2], CultureInfo.InvariantCulture)).Distinct().Order();
        Assert.Equal(Enumerable.Range(0, Count), values);
    }

    internal static async Task KcatProduce(BrokerFixture broker, string topic, int first, int count)
    {
        var input = new StringBuilder();
        for (var i = first; i < first + count; i++)
            input.Append('k').Append(i).Append(':').Append(i).Append('\n');
        var produce = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", topic, "-P", "-K:", "-X", "acks=all"], input.ToString());
        Assert.True(produce.ExitCode == 0, ExternalProcess.Describe(produce));
    }

    /// <summary>kcat -G until the end of every assigned partition; returns the values it printed.</summary>
    private static async Task<List<int>> KcatGroupConsume(BrokerFixture broker, string topic, string group)
    {
        var consume = await ExternalProcess.RunAsync("kcat",
            ["-b", broker.Bootstrap, "-G", group, "-X", "auto.offset.reset=earliest", "-e", "-f", "%p %o %s\\n", topic], timeout: TimeSpan.FromSeconds(60));
        Assert.True(consume.ExitCode == 0, ExternalProcess.Describe(consume));
        return [.. consume.Lines.Select(l => int.Parse(l.Split(' ')[2], CultureInfo.InvariantCulture))];
    }

    /// <summary>Every partition committed, and lag = log end - committed summing to <paramref name="expectedTotal"/>.</summary>
    private static async Task AssertLagAsync(BrokerFixture broker, string group, long expectedTotal)
    {
        var (rows, total) = await RunnelCli.DescribeGroupAsync(broker.Bootstrap, group);
        Assert.Equal(3, rows.Count);
        Assert.All(rows.Values, r => Assert.True(r.Committed >= 0 && r.Lag == r.End - r.Committed, $"{r}"));
        Assert.Equal(expectedTotal, total);
        Assert.Equal(expectedTotal, rows.Values.Sum(r => r.Lag));
    }
}
