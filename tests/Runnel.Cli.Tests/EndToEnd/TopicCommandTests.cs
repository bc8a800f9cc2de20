using Runnel.Cli.Tests.Support;
using Runnel.Client.Tests.Support;

namespace Runnel.Cli.Tests.EndToEnd;

/// <summary><c>runnel topic</c> against an in-process broker.</summary>
public sealed class TopicCommandTests : IAsyncLifetime
{
    private TestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private Task<CliResult> Run(params string[] args) => CliRun.RunAsync([.. args, "--bootstrap-server", _broker.BootstrapServers]);

    [Fact]
    public async Task Create_list_describe_and_delete_with_kafka_topics_spellings()
    {
        var created = await Run("topic", "--create", "--topic", "events", "--partitions", "3", "--replication-factor", "1", "--config", "retention.ms=120000");
        Assert.Equal((CliApp.Ok, "Created topic events.\n"), (created.ExitCode, created.Out));
        Assert.Equal(CliApp.Ok, (await Run("topic", "create", "logs")).ExitCode);

        Assert.Equal("events\nlogs\n", (await Run("topic", "list", "--exclude-internal")).Out);
        Assert.Contains("events\nlogs\n", (await Run("topic", "list")).Out, StringComparison.Ordinal); // internal ones too, as kafka-topics lists them

        var described = await Run("topic", "describe", "--topic", "events");
        var lines = described.Out.TrimEnd('\n').Split('\n');
        Assert.StartsWith("Topic: events\tTopicId: ", lines[0], StringComparison.Ordinal);
        Assert.Contains("\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=120000", lines[0], StringComparison.Ordinal);
        Assert.Equal(
            [0, 1, 2],
            lines[1..].Select(l => Assert.Single(l.Split('\t'), f => f.StartsWith("Partition: ", StringComparison.Ordinal))).Select(f => int.Parse(f[11..], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(lines[1..], l => Assert.EndsWith($"Leader: {_broker.Broker.NodeId}\tReplicas: {_broker.Broker.NodeId}\tIsr: {_broker.Broker.NodeId}\tEarliestOffset: 0\tLatestOffset: 0", l, StringComparison.Ordinal));

        Assert.Equal("Deleted topic events.\n", (await Run("topic", "delete", "--topic", "events")).Out);
        Assert.Equal("logs\n", (await Run("topic", "--list", "--exclude-internal")).Out);
    }

    [Fact]
    public async Task Refusals_fail_with_kafkas_error_name_unless_told_to_tolerate_them()
    {
        await Run("topic", "create", "--topic", "t");
        var again = await Run("topic", "create", "--topic", "t");
        Assert.Equal(CliApp.Failed, again.ExitCode);
        Assert.Contains("TOPIC_ALREADY_EXISTS", again.Error, StringComparison.Ordinal);
        Assert.Equal(CliApp.Ok, (await Run("topic", "create", "--topic", "t", "--if-not-exists")).ExitCode);

        Assert.Equal(CliApp.Failed, (await Run("topic", "delete", "--topic", "absent")).ExitCode);
        Assert.Equal(CliApp.Ok, (await Run("topic", "delete", "--topic", "absent", "--if-exists")).ExitCode);
        Assert.Equal(CliApp.Failed, (await Run("topic", "describe", "--topic", "absent")).ExitCode);
    }

    [Fact]
    public async Task Alter_grows_partitions_and_changes_configs()
    {
        await Run("topic", "create", "--topic", "t", "--partitions", "1");
        var altered = await Run("topic", "alter", "--topic", "t", "--partitions", "2", "--add-config", "retention.ms=5000,cleanup.policy=compact");
        Assert.Equal(CliApp.Ok, altered.ExitCode);
        var described = (await Run("topic", "describe", "t")).Out;
        Assert.Contains("PartitionCount: 2", described, StringComparison.Ordinal);
        Assert.Contains("cleanup.policy=compact", described, StringComparison.Ordinal);

        await Run("topic", "alter", "--topic", "t", "--delete-config", "cleanup.policy");
        Assert.DoesNotContain("cleanup.policy", (await Run("topic", "describe", "t")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_info_names_the_cluster_and_its_broker()
    {
        var result = await Run("cluster", "info", "--api-versions");
        Assert.Equal(CliApp.Ok, result.ExitCode);
        Assert.Contains($"Cluster id: {_broker.Broker.ClusterId}\n", result.Out, StringComparison.Ordinal);
        Assert.Contains($"  {_broker.Broker.NodeId}  {_broker.BootstrapServers}  (controller)\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("  Produce(0) v", result.Out, StringComparison.Ordinal);
    }
}
