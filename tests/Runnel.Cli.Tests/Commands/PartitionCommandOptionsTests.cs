using Runnel.Cli.Commands;
using Runnel.Cli.Parsing;
using Runnel.Cli.Tests.Support;
using Runnel.Client;
using Runnel.Client.Admin;

namespace Runnel.Cli.Tests.Commands;

/// <summary><c>runnel partition</c>'s command lines: what they ask for, and usage errors (exit 2) before any broker is asked.</summary>
public class PartitionCommandOptionsTests
{
    private static ParsedArguments Parse(params string[] args)
    {
        var command = new PartitionCommand();
        return ArgumentParser.Parse(args, command.Options, command.MaxPositionals);
    }

    [Fact]
    public void Reassign_pairs_each_partition_with_its_replicas()
    {
        var plan = PartitionCommand.ReassignPlan.From(Parse("reassign", "--topic", "t", "--partition", "0", "--replicas", "3,2", "--partition", "1", "--replicas", "1, 3"));
        Assert.Equal(PartitionCommand.ReassignMode.Execute, plan.Mode);
        Assert.Equal([new TopicPartition("t", 0), new("t", 1)], plan.Entries.Select(e => e.Partition));
        Assert.Equal([3, 2], plan.Entries[0].Replicas);
        Assert.Equal([1, 3], plan.Entries[1].Replicas);

        var cancel = PartitionCommand.ReassignPlan.From(Parse("reassign", "--cancel", "--topic", "t", "--partition", "2"));
        Assert.Equal((PartitionCommand.ReassignMode.Cancel, null), (cancel.Mode, Assert.Single(cancel.Entries).Replicas));
        var list = PartitionCommand.ReassignPlan.From(Parse("reassign", "--list", "--topic", "a", "--topic", "b"));
        Assert.Equal(PartitionCommand.ReassignMode.List, list.Mode);
        Assert.Equal(["a", "b"], list.ListTopics);
    }

    [Theory]
    [InlineData("1,x")]
    [InlineData("")]
    [InlineData("1,,2")]
    [InlineData("-1")]
    [InlineData("1,2,1")]
    public void Bad_replica_lists_are_usage_errors(string replicas)
    {
        var error = Assert.Throws<UsageException>(() => PartitionCommand.ReassignPlan.From(Parse("reassign", "--topic", "t", "--partition", "0", "--replicas", replicas)));
        Assert.Contains("--replicas", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--partition needs --topic.", "reassign", "--partition", "0", "--replicas", "1")]
    [InlineData("reassign needs --topic, --partition and --replicas, or --reassignment-json-file.", "reassign")]
    [InlineData("reassign needs --partition (one per --replicas).", "reassign", "--topic", "t", "--replicas", "1")]
    [InlineData("Give one --replicas per --partition (2 --partition, 1 --replicas).", "reassign", "--topic", "t", "--partition", "0", "--partition", "1", "--replicas", "1")]
    [InlineData("Give one --replicas per --partition (1 --partition, 0 --replicas).", "reassign", "--verify", "--topic", "t", "--partition", "0")]
    [InlineData("Choose one of --cancel, --verify.", "reassign", "--cancel", "--verify", "--topic", "t", "--partition", "0")]
    [InlineData("--list takes only --topic (to list the moves of some topics).", "reassign", "--list", "--partition", "0")]
    [InlineData("reassign takes one --topic; use --reassignment-json-file for several.", "reassign", "--topic", "a", "--topic", "b", "--partition", "0", "--replicas", "1")]
    [InlineData("Partition t-0 is named more than once.", "reassign", "--topic", "t", "--partition", "0", "--replicas", "1", "--partition", "0", "--replicas", "2")]
    [InlineData("--partition must be 0 or more, not -1.", "reassign", "--topic", "t", "--partition", "-1", "--replicas", "1")]
    [InlineData("--partition expects a whole number, not 'x'.", "reassign", "--topic", "t", "--partition", "x", "--replicas", "1")]
    [InlineData("Give the partitions either in --reassignment-json-file or with --topic/--partition/--replicas, not both.", "reassign", "--reassignment-json-file", "f", "--topic", "t")]
    public void Reassign_usage_errors(string message, params string[] args)
        => Assert.Equal(message, Assert.Throws<UsageException>(() => PartitionCommand.ReassignPlan.From(Parse(args))).Message);

    [Fact]
    public void Elect_asks_for_named_partitions_a_whole_topic_or_all()
    {
        var named = PartitionCommand.ElectionPlan.From(Parse("elect", "--election-type", "PREFERRED", "--topic", "t", "--partition", "0", "--partition", "2"));
        Assert.Equal((ElectionType.Preferred, (string?)null), (named.Type, named.WholeTopic));
        Assert.Equal([new TopicPartition("t", 0), new("t", 2)], named.Partitions!);
        var topic = PartitionCommand.ElectionPlan.From(Parse("elect", "--election-type", "unclean", "--topic", "t"));
        Assert.Equal((ElectionType.Unclean, "t"), (topic.Type, topic.WholeTopic));
        Assert.Null(PartitionCommand.ElectionPlan.From(Parse("elect", "--election-type", "preferred", "--all-topic-partitions")).Partitions);
    }

    [Theory]
    [InlineData("elect needs --election-type preferred or unclean.", "elect", "--all-topic-partitions")]
    [InlineData("--election-type is preferred or unclean, not 'random'.", "elect", "--election-type", "random", "--all-topic-partitions")]
    [InlineData("elect needs exactly one of --topic (with --partition), --all-topic-partitions and --path-to-json-file.", "elect", "--election-type", "preferred")]
    [InlineData("elect needs exactly one of --topic (with --partition), --all-topic-partitions and --path-to-json-file.", "elect", "--election-type", "preferred", "--topic", "t", "--all-topic-partitions")]
    [InlineData("--partition needs --topic.", "elect", "--election-type", "preferred", "--path-to-json-file", "f", "--partition", "0")]
    public void Elect_usage_errors(string message, params string[] args)
        => Assert.Equal(message, Assert.Throws<UsageException>(() => PartitionCommand.ElectionPlan.From(Parse(args))).Message);

    [Fact]
    public void Reads_kafka_reassign_partitions_json()
    {
        var entries = ReassignmentJson.Parse("""
            {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[3,2],"log_dirs":["any","any"]},{"topic":"u","partition":4,"replicas":[1]}]}
            """, "f.json", JsonReplicas.Required);
        Assert.Equal([(new TopicPartition("t", 0), "3,2"), (new("u", 4), "1")], entries.Select(e => (e.Partition, string.Join(',', e.Replicas!))));
        var election = ReassignmentJson.Parse("""{"partitions":[{"topic":"t","partition":1}]}""", "f.json", JsonReplicas.Ignored);
        Assert.Equal((new TopicPartition("t", 1), null), (Assert.Single(election).Partition, election[0].Replicas));
    }

    [Theory]
    [InlineData("""{"partitions":[{"topic":"t","partition":0}]}""", "f.json: t-0 has no \"replicas\".")]
    [InlineData("""{"version":2,"partitions":[]}""", "f.json: only version 1 is known, not 2.")]
    [InlineData("""{"topics":[]}""", "f.json: expected {\"version\":1,\"partitions\":[...]}.")]
    [InlineData("""{"partitions":[{"topic":"t","partition":-1,"replicas":[1]}]}""", "f.json: each partition needs \"topic\" (a name) and \"partition\" (0 or more), not {\"topic\":\"t\",\"partition\":-1,\"replicas\":[1]}.")]
    [InlineData("""{"partitions":[{"topic":"t","partition":0,"replicas":[1,1]}]}""", "f.json: \"replicas\" of t-0 must name each broker once and at least one, not [1,1].")]
    [InlineData("""{"partitions":[{"topic":"t","partition":0,"replicas":["a"]}]}""", "f.json: \"replicas\" of t-0 must be a list of broker ids, not [\"a\"].")]
    [InlineData("""{"partitions":[{"topic":"t","partition":"0","replicas":[1]}]}""", "f.json: each partition needs \"topic\" (a name) and \"partition\" (0 or more), not {\"topic\":\"t\",\"partition\":\"0\",\"replicas\":[1]}.")]
    public void Bad_json_files_are_usage_errors(string json, string message)
        => Assert.Equal(message, Assert.Throws<UsageException>(() => ReassignmentJson.Parse(json, "f.json", JsonReplicas.Required)).Message);

    [Fact]
    public void Json_that_does_not_parse_names_the_file()
        => Assert.StartsWith("f.json is not valid JSON: ", Assert.Throws<UsageException>(() => ReassignmentJson.Parse("{", "f.json", JsonReplicas.Required)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("partition")]
    [InlineData("partition", "move")]
    [InlineData("partition", "reassign", "--topic", "t", "--partition", "0", "--replicas", "1,x")]
    [InlineData("partition", "reassign", "--reassignment-json-file", "/nonexistent/reassign.json")]
    [InlineData("partition", "elect", "--topic", "t")]
    [InlineData("partition", "describe", "--bogus")]
    [InlineData("topic", "describe", "--under-replicated-partitions=yes")]
    public async Task Usage_errors_exit_2_with_the_reason_and_the_usage_without_asking_a_broker(params string[] args)
    {
        // Port 1 on loopback: nothing answers there, so a command that tried to connect would fail with exit code 1.
        var result = await CliRun.RunAsync([.. args, "--bootstrap-server", "127.0.0.1:1"]);
        Assert.Equal(CliApp.BadUsage, result.ExitCode);
        Assert.StartsWith($"runnel {args[0]}: ", result.Error, StringComparison.Ordinal);
        Assert.Contains($"Usage: runnel {args[0]} ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_every_option()
    {
        var help = await CliRun.RunAsync("partition", "--help");
        Assert.Equal(CliApp.Ok, help.ExitCode);
        foreach (var option in new PartitionCommand().Options)
            Assert.Contains($"--{option.Name}", help.Out, StringComparison.Ordinal);
        var topicHelp = (await CliRun.RunAsync("topic", "--help")).Out;
        Assert.Contains("--under-replicated-partitions", topicHelp, StringComparison.Ordinal);
        Assert.Contains("--at-min-isr-partitions", topicHelp, StringComparison.Ordinal);
        Assert.Contains("  partition ", (await CliRun.RunAsync("--help")).Out, StringComparison.Ordinal);
    }
}
