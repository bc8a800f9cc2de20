using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Protocol;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel topic create|list|describe|delete|alter</c>, also spelled as kafka-topics does
/// (<c>runnel topic --create --topic t --partitions 3</c>).
/// </summary>
internal sealed partial class TopicCommand : CliCommand
{
    private static readonly string[] Actions = ["create", "list", "describe", "delete", "alter"];
    private static readonly OptionSpec Topic = OptionSpec.Many("topic", "name", "topic to act on (describe/delete accept several)", "t");
    private static readonly OptionSpec Partitions = OptionSpec.Value("partitions", "n", "partition count (create; alter grows it)", "p");
    private static readonly OptionSpec ReplicationFactor = OptionSpec.Value("replication-factor", "n", "replicas per partition (create)", "r");
    private static readonly OptionSpec Config = OptionSpec.Many("config", "key=value", "topic config to set (create, alter)", "c");
    private static readonly OptionSpec AddConfig = OptionSpec.Many("add-config", "k=v,k2=v2", "configs to set (alter), as kafka-configs takes them");
    private static readonly OptionSpec DeleteConfig = OptionSpec.Many("delete-config", "key", "config to reset to its default (alter)");
    private static readonly OptionSpec IfNotExists = OptionSpec.Flag("if-not-exists", "create: succeed when the topic already exists");
    private static readonly OptionSpec IfExists = OptionSpec.Flag("if-exists", "delete/alter/describe: succeed when the topic does not exist");
    private static readonly OptionSpec ExcludeInternal = OptionSpec.Flag("exclude-internal", "list/describe: leave out internal topics");

    public override string Name => "topic";

    public override string Summary => "create, list, describe, delete or alter topics";

    public override string Synopsis =>
        "Usage: runnel topic create   --topic <name> [--partitions n] [--replication-factor n] [--config k=v]...\n"
        + "       runnel topic list\n"
        + "       runnel topic describe [--topic <name>]... [--under-replicated-partitions] [--unavailable-partitions]\n"
        + "                             [--under-min-isr-partitions] [--at-min-isr-partitions]\n"
        + "       runnel topic delete   --topic <name>...\n"
        + "       runnel topic alter    --topic <name> [--partitions n] [--config k=v]... [--delete-config k]...\n"
        + "The action may also be written --create, --list, --describe, --delete or --alter, and the topic as a positional.";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        BootstrapServer, ConfigFile, Topic, Partitions, ReplicationFactor, Config, AddConfig, DeleteConfig, IfNotExists, IfExists, ExcludeInternal,
        .. PartitionFilters.Options,
        .. Actions.Select(a => OptionSpec.Flag(a, $"same as the '{a}' action")), Help,
    ];

    public override int MaxPositionals => 2;

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var action = ActionOf(args);
        var topics = args.GetAll(Topic.Name).Concat(args.Positionals.Where(p => !Actions.Contains(p))).Distinct().ToList();
        await using var admin = new RunnelAdminClient(AdminOptionsOf(args));
        return action switch
        {
            "create" => await CreateAsync(admin, args, Single(topics, action), console, cancellationToken).ConfigureAwait(false),
            "list" => await ListAsync(admin, args, console, cancellationToken).ConfigureAwait(false),
            "describe" => await DescribeAsync(admin, args, topics, console, cancellationToken).ConfigureAwait(false),
            "delete" => await DeleteAsync(admin, args, Required(topics, action), console, cancellationToken).ConfigureAwait(false),
            _ => await AlterAsync(admin, args, Single(topics, action), console, cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>The action from a positional (<c>topic create</c>) or a Kafka-style flag (<c>--create</c>); exactly one.</summary>
    internal static string ActionOf(ParsedArguments args)
    {
        var given = Actions.Where(a => args.Has(a) || args.Positionals.Contains(a)).ToList();
        return given.Count switch
        {
            1 => given[0],
            0 => throw new UsageException("Say what to do: create, list, describe, delete or alter."),
            _ => throw new UsageException($"Choose one action, not {string.Join(" and ", given)}."),
        };
    }

    private static string Single(List<string> topics, string action) => topics.Count switch
    {
        1 => topics[0],
        0 => throw new UsageException($"{action} needs --topic."),
        _ => throw new UsageException($"{action} takes one topic, not {topics.Count}."),
    };

    private static List<string> Required(List<string> topics, string action)
        => topics.Count > 0 ? topics : throw new UsageException($"{action} needs --topic.");

    private static async Task<int> CreateAsync(RunnelAdminClient admin, ParsedArguments args, string topic, CliConsole console, CancellationToken cancellationToken)
    {
        var replication = args.GetInt(ReplicationFactor.Name) ?? -1;
        if (replication is < -1 or > short.MaxValue or 0)
            throw new UsageException($"--replication-factor must be at least 1, not {replication}.");
        var partitions = args.GetInt(Partitions.Name) ?? -1;
        if (partitions is < -1 or 0)
            throw new UsageException($"--partitions must be at least 1, not {partitions}.");
        var newTopic = new NewTopic(topic, partitions, (short)replication) { Configs = args.GetPairs(Config.Name) };
        try
        {
            await admin.CreateTopicsAsync([newTopic], cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RunnelException e) when (e.ErrorCode == ErrorCode.TopicAlreadyExists && args.Has(IfNotExists.Name))
        {
            return CliApp.Ok;
        }
        await console.Out.WriteLineAsync($"Created topic {topic}.").ConfigureAwait(false);
        return CliApp.Ok;
    }

    private static async Task<int> ListAsync(RunnelAdminClient admin, ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        foreach (var name in await admin.ListTopicsAsync(!args.Has(ExcludeInternal.Name), cancellationToken).ConfigureAwait(false))
            await console.Out.WriteLineAsync(name).ConfigureAwait(false);
        return CliApp.Ok;
    }

    private static async Task<int> DeleteAsync(RunnelAdminClient admin, ParsedArguments args, List<string> topics, CliConsole console, CancellationToken cancellationToken)
    {
        try
        {
            await admin.DeleteTopicsAsync(topics, cancellationToken).ConfigureAwait(false);
        }
        catch (RunnelException e) when (e.ErrorCode == ErrorCode.UnknownTopicOrPartition && args.Has(IfExists.Name))
        {
            return CliApp.Ok;
        }
        foreach (var topic in topics)
            await console.Out.WriteLineAsync($"Deleted topic {topic}.").ConfigureAwait(false);
        return CliApp.Ok;
    }
}
