using Runnel.Cli.Tests.Support;
using Runnel.Client.Tests.Support;

namespace Runnel.Cli.Tests.EndToEnd;

/// <summary>
/// <c>runnel partition</c> and <c>runnel topic describe</c>'s filters against an in-process single-node broker (the
/// three-node cases, with moves, kills and elections that move leaders, are in Runnel.IntegrationTests' Cluster folder).
/// </summary>
public sealed class PartitionCommandTests : IAsyncLifetime
{
    private TestBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await TestBroker.StartAsync();
        Assert.Equal(CliApp.Ok, (await Run("topic", "create", "--topic", "t", "--partitions", "2")).ExitCode);
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private Task<CliResult> Run(params string[] args) => CliRun.RunAsync([.. args, "--bootstrap-server", _broker.BootstrapServers]);

    private int Node => _broker.Broker.NodeId;

    [Fact]
    public async Task Describe_shows_leader_epoch_replicas_isr_and_no_moves()
    {
        var described = await Run("partition", "describe", "--topic", "t");
        Assert.Equal(CliApp.Ok, described.ExitCode);
        Assert.Equal(
            ["TOPIC  PARTITION  LEADER  EPOCH  REPLICAS  ISR  OFFLINE  ADDING  REMOVING", $"t      0          {Node}       0      {Node}         {Node}    -        -       -",
                $"t      1          {Node}       0      {Node}         {Node}    -        -       -"],
            described.Out.TrimEnd('\n').Split('\n'));
        Assert.Equal(["TOPIC  PARTITION  LEADER  EPOCH  REPLICAS  ISR  OFFLINE  ADDING  REMOVING"],
            (await Run("partition", "describe", "--topic", "t", "--under-replicated-partitions")).Out.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("__consumer_offsets", (await Run("partition", "describe", "--exclude-internal")).Out, StringComparison.Ordinal);
        Assert.Equal(CliApp.Failed, (await Run("partition", "describe", "--topic", "absent")).ExitCode);
    }

    [Fact]
    public async Task Topic_describe_filters_print_only_matching_partitions()
    {
        Assert.Equal("", (await Run("topic", "describe", "--topic", "t", "--under-replicated-partitions")).Out);
        Assert.Equal("", (await Run("topic", "describe", "--topic", "t", "--unavailable-partitions", "--under-min-isr-partitions")).Out);
        // min.insync.replicas is 1 and each ISR has the one replica: every partition is at it, without the topic line.
        var atMin = (await Run("topic", "describe", "--topic", "t", "--at-min-isr-partitions")).Out.TrimEnd('\n').Split('\n');
        Assert.Equal(2, atMin.Length);
        Assert.All(atMin, l => Assert.StartsWith("\tTopic: t\tPartition: ", l, StringComparison.Ordinal));
        Assert.All(atMin, l => Assert.DoesNotContain("Offline:", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Elect_reports_election_not_needed_without_failing()
    {
        var named = await Run("partition", "elect", "--election-type", "preferred", "--topic", "t", "--partition", "1");
        Assert.Equal((CliApp.Ok, "TOPIC  PARTITION  RESULT\nt      1          ELECTION_NOT_NEEDED: Leader election not needed for topic partition.\n"), (named.ExitCode, named.Out));
        var all = await Run("partition", "elect", "--election-type", "unclean", "--all-topic-partitions");
        Assert.Equal(CliApp.Ok, all.ExitCode);
        Assert.Matches(@"^\d+ other partition\(s\): ELECTION_NOT_NEEDED\n$", all.Out);
        var unknown = await Run("partition", "elect", "--election-type", "preferred", "--topic", "t", "--partition", "9");
        Assert.Equal(CliApp.Failed, unknown.ExitCode);
        Assert.Contains("t      9          UNKNOWN_TOPIC_OR_PARTITION", unknown.Out, StringComparison.Ordinal);
        Assert.StartsWith("runnel partition: Leader election failed for 1 partition(s): t-9: UNKNOWN_TOPIC_OR_PARTITION", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reassign_fails_with_kafkas_error_for_an_unknown_broker_and_verify_says_what_is_there()
    {
        var bad = await Run("partition", "reassign", "--topic", "t", "--partition", "0", "--replicas", $"99,{Node}");
        Assert.Equal(CliApp.Failed, bad.ExitCode);
        Assert.StartsWith($"TOPIC  PARTITION  REPLICAS  RESULT\nt      0          99,{Node}      INVALID_REPLICA_ASSIGNMENT: ", bad.Out, StringComparison.Ordinal);
        Assert.StartsWith("runnel partition: Reassignment failed for 1 partition(s): t-0: INVALID_REPLICA_ASSIGNMENT: ", bad.Error, StringComparison.Ordinal);
        Assert.Equal("No partition reassignment is in progress.\n", (await Run("partition", "reassign", "--list")).Out);

        // The same replicas: the move is complete at once.
        var same = await Run("partition", "reassign", "--topic", "t", "--partition", "1", "--replicas", $"{Node}");
        Assert.Equal(CliApp.Ok, same.ExitCode);
        var verified = await Run("partition", "reassign", "--verify", "--topic", "t", "--partition", "1", "--replicas", $"{Node}", "--partition", "0", "--replicas", "99");
        Assert.Equal(CliApp.Failed, verified.ExitCode);
        Assert.Equal(
            $"Status of partition reassignment:\nReassignment of partition t-1 is complete.\nThere is no active reassignment of partition t-0, but replica set is {Node} rather than 99.\n",
            verified.Out);
        var cancelled = await Run("partition", "reassign", "--cancel", "--topic", "t", "--partition", "0");
        Assert.Equal((CliApp.Ok, "TOPIC  PARTITION  RESULT\nt      0          not moving (NO_REASSIGNMENT_IN_PROGRESS)\n"), (cancelled.ExitCode, cancelled.Out));
    }
}
