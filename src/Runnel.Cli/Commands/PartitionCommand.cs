using System.Globalization;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Protocol;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel partition describe|reassign|elect</c>: partitions' leaders, replicas, ISR, offline replicas and moves in
/// progress; moving partitions to other brokers (kafka-reassign-partitions: --execute, --cancel, --list, --verify, its
/// JSON file); and preferred or unclean leader elections (kafka-leader-election).
/// </summary>
internal sealed partial class PartitionCommand : CliCommand
{
    private static readonly string[] Actions = ["describe", "reassign", "elect"];
    private static readonly OptionSpec Topic = OptionSpec.Many("topic", "name", "topic to act on (describe accepts several)", "t");
    private static readonly OptionSpec Partition = OptionSpec.Many("partition", "p", "partition of --topic (reassign: pairs with the n-th --replicas)");
    private static readonly OptionSpec Replicas = OptionSpec.Many("replicas", "id,id,...", "reassign: the new replicas of the n-th --partition, the first the preferred leader");
    private static readonly OptionSpec ReassignmentJsonFile = OptionSpec.Value("reassignment-json-file", "file",
        "reassign: partitions and replicas in kafka-reassign-partitions' JSON format");
    private static readonly OptionSpec Execute = OptionSpec.Flag("execute", "reassign: start the moves (the default)");
    private static readonly OptionSpec Cancel = OptionSpec.Flag("cancel", "reassign: cancel the moves of the given partitions, back to their old replicas");
    private static readonly OptionSpec List = OptionSpec.Flag("list", "reassign: list the moves in progress (of --topic, or all)");
    private static readonly OptionSpec Verify = OptionSpec.Flag("verify", "reassign: say whether each given move is complete or still in progress");
    private static readonly OptionSpec ElectionTypeOption = OptionSpec.Value("election-type", "preferred|unclean", "elect: the kind of election (required)");
    private static readonly OptionSpec AllTopicPartitions = OptionSpec.Flag("all-topic-partitions", "elect: every partition of every topic");
    private static readonly OptionSpec ExcludeInternal = OptionSpec.Flag("exclude-internal", "describe: leave out internal topics");
    private static readonly OptionSpec PathToJsonFile = OptionSpec.Value("path-to-json-file", "file",
        "elect: partitions in kafka-leader-election's JSON format");

    public override string Name => "partition";

    public override string Summary => "describe partitions, move them to other brokers, or elect their leaders";

    public override string Synopsis =>
        "Usage: runnel partition describe [--topic <name>]... [--exclude-internal] [--under-replicated-partitions] ...\n"
        + "       runnel partition reassign --topic <name> --partition <p> --replicas <id,id,...> [--partition <p> --replicas <ids>]...\n"
        + "       runnel partition reassign --reassignment-json-file <file>\n"
        + "       runnel partition reassign --cancel (--topic <name> --partition <p>... | --reassignment-json-file <file>)\n"
        + "       runnel partition reassign --verify (--topic <name> --partition <p> --replicas <ids>... | --reassignment-json-file <file>)\n"
        + "       runnel partition reassign --list [--topic <name>]\n"
        + "       runnel partition elect --election-type preferred|unclean\n"
        + "                              (--topic <name> [--partition <p>]... | --all-topic-partitions | --path-to-json-file <file>)\n"
        + "JSON: {\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1,2]}]} (elect: without replicas).\n"
        + "reassign and elect print one line per partition and exit 1 if any partition failed (ELECTION_NOT_NEEDED is no\n"
        + "failure, as in kafka-leader-election).";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        BootstrapServer, ConfigFile, Topic, Partition, Replicas, ReassignmentJsonFile, Execute, Cancel, List, Verify,
        ElectionTypeOption, AllTopicPartitions, PathToJsonFile, ExcludeInternal, .. PartitionFilters.Options, Help,
    ];

    public override int MaxPositionals => 1;

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var action = ActionOf(args);
        // Everything the command line says is checked before connecting, so usage errors never wait for a broker.
        var reassign = action == "reassign" ? ReassignPlan.From(args) : null;
        var election = action == "elect" ? ElectionPlan.From(args) : null;
        await using var admin = new RunnelAdminClient(AdminOptionsOf(args));
        return action switch
        {
            "describe" => await DescribeAsync(admin, args, console, cancellationToken).ConfigureAwait(false),
            "reassign" => await ReassignAsync(admin, reassign!, console, cancellationToken).ConfigureAwait(false),
            _ => await ElectAsync(admin, election!, console, cancellationToken).ConfigureAwait(false),
        };
    }

    internal static string ActionOf(ParsedArguments args) => args.Positionals switch
    {
        [var action] when Actions.Contains(action) => action,
        [var other] => throw new UsageException($"Unknown action '{other}': say describe, reassign or elect."),
        _ => throw new UsageException("Say what to do: describe, reassign or elect."),
    };

    private static async Task<int> DescribeAsync(RunnelAdminClient admin, ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var topics = args.GetAll(Topic.Name).Distinct().ToList();
        var descriptions = await admin.DescribeTopicsAsync(topics.Count == 0 ? null : topics, includeOffsets: false, cancellationToken).ConfigureAwait(false);
        var reassignments = await TopicCommand.ReassignmentsAsync(admin, descriptions, cancellationToken).ConfigureAwait(false);
        var filters = PartitionFilters.From(args);
        var rows = new List<string[]>();
        foreach (var topic in descriptions.Where(t => !(t.IsInternal && args.Has(ExcludeInternal.Name))))
        {
            var minIsr = filters is { NeedsMinIsr: true } ? await TopicCommand.MinInSyncReplicasAsync(admin, topic.Name, cancellationToken).ConfigureAwait(false) : 1;
            foreach (var p in topic.Partitions)
            {
                var reassignment = reassignments.GetValueOrDefault(new TopicPartition(topic.Name, p.Partition));
                if (filters is not null && !filters.Matches(p, reassignment, minIsr))
                    continue;
                rows.Add([topic.Name, Text(p.Partition), p.HasLeader ? Text(p.Leader) : "none", p.LeaderEpoch < 0 ? "-" : Text(p.LeaderEpoch),
                    Ids(p.Replicas), Ids(p.Isr), Ids(p.OfflineReplicas), Ids(reassignment?.AddingReplicas), Ids(reassignment?.RemovingReplicas)]);
            }
        }
        await Table.WriteAsync(console.Out, ["TOPIC", "PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "OFFLINE", "ADDING", "REMOVING"], rows).ConfigureAwait(false);
        return CliApp.Ok;
    }

    private static async Task<int> ElectAsync(RunnelAdminClient admin, ElectionPlan plan, CliConsole console, CancellationToken cancellationToken)
    {
        var partitions = plan.Partitions;
        if (plan.WholeTopic is { } topic)
        {
            var description = (await admin.DescribeTopicsAsync([topic], includeOffsets: false, cancellationToken).ConfigureAwait(false))[0];
            partitions = [.. description.Partitions.Select(p => new TopicPartition(topic, p.Partition))];
        }
        var results = await admin.ElectLeadersAsync(plan.Type, partitions, cancellationToken).ConfigureAwait(false);
        var type = plan.Type == ElectionType.Preferred ? "PREFERRED" : "UNCLEAN";
        if (results.Count > 0)
        {
            await Table.WriteAsync(console.Out, ["TOPIC", "PARTITION", "RESULT"], results.Select(r => new[]
        {
                r.Partition.Topic, Text(r.Partition.Partition), r.Succeeded ? $"elected ({type})" : Outcome(r),
            })).ConfigureAwait(false);
        }
        if (partitions is null)
        {
            // Kafka's controller leaves partitions that need no election out of an all-partitions answer.
            var all = (await admin.DescribeTopicsAsync(null, includeOffsets: false, cancellationToken).ConfigureAwait(false)).Sum(t => t.Partitions.Count);
            await console.Out.WriteLineAsync($"{Math.Max(0, all - results.Count)} other partition(s): ELECTION_NOT_NEEDED").ConfigureAwait(false);
        }
        return await FailIfAnyAsync(results.Where(r => r.Error is not (ErrorCode.None or ErrorCode.ElectionNotNeeded)).ToList(), "Leader election", console)
            .ConfigureAwait(false);
    }

    /// <summary>Reports refused partitions on stderr (Kafka's error name and the broker's message) and picks the exit code.</summary>
    private static async Task<int> FailIfAnyAsync(List<PartitionResult> failed, string what, CliConsole console)
    {
        if (failed.Count == 0)
            return CliApp.Ok;
        await console.Error.WriteLineAsync($"runnel partition: {what} failed for {failed.Count} partition(s): {string.Join("; ", failed)}").ConfigureAwait(false);
        return CliApp.Failed;
    }

    private static string Outcome(PartitionResult result) => string.IsNullOrEmpty(result.ErrorMessage) ? result.ErrorName : $"{result.ErrorName}: {result.ErrorMessage}";

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Ids(IReadOnlyList<int>? ids) => ids is null or { Count: 0 } ? "-" : string.Join(',', ids);

    /// <summary>What <c>elect</c> was asked to do: the election type and the partitions (null: all of them).</summary>
    internal sealed record ElectionPlan(ElectionType Type, IReadOnlyList<TopicPartition>? Partitions, string? WholeTopic)
    {
        public static ElectionPlan From(ParsedArguments args)
        {
            var type = args.Get(ElectionTypeOption.Name)?.ToLowerInvariant() switch
            {
                "preferred" => ElectionType.Preferred,
                "unclean" => ElectionType.Unclean,
                null => throw new UsageException("elect needs --election-type preferred or unclean."),
                var other => throw new UsageException($"--election-type is preferred or unclean, not '{other}'."),
            };
            var topics = args.GetAll(Topic.Name).Distinct().ToList();
            var partitions = args.GetAll(Partition.Name).Select(p => PartitionNumber(p)).Distinct().ToList();
            var sources = (topics.Count > 0 ? 1 : 0) + (args.Has(AllTopicPartitions.Name) ? 1 : 0) + (args.Has(PathToJsonFile.Name) ? 1 : 0);
            if (sources != 1)
                throw new UsageException("elect needs exactly one of --topic (with --partition), --all-topic-partitions and --path-to-json-file.");
            if (partitions.Count > 0 && topics.Count == 0)
                throw new UsageException("--partition needs --topic.");
            if (topics.Count > 1)
                throw new UsageException("elect takes one --topic; use --path-to-json-file for several.");
            if (args.Has(AllTopicPartitions.Name))
                return new ElectionPlan(type, null, null);
            if (args.Get(PathToJsonFile.Name) is { } path)
                return new ElectionPlan(type, [.. ReassignmentJson.Read(path, withReplicas: false).Select(e => e.Partition)], null);
            return partitions.Count == 0
                ? new ElectionPlan(type, [], topics[0])
                : new ElectionPlan(type, [.. partitions.Select(p => new TopicPartition(topics[0], p))], null);
        }
    }

    internal static int PartitionNumber(string text)
    {
        var partition = ParsedArguments.ParseInt(Partition.Name, text);
        return partition >= 0 ? partition : throw new UsageException($"--partition must be 0 or more, not {partition}.");
    }
}
