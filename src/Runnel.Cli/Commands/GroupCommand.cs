using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Protocol;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel group list|describe|reset-offsets|delete</c>, also spelled as kafka-consumer-groups does
/// (<c>runnel group --describe --group g</c>). describe shows, per partition, the committed offset, the log end
/// offset and the lag between them, with the member that owns it, the lag in seconds and the status (see
/// <see cref="GroupPartitionLag"/>; the two come last so scripts reading kafka-consumer-groups' columns still work),
/// and the total lag. lag shows the lag table alone, and with --watch redraws it every second.
/// </summary>
internal sealed partial class GroupCommand : CliCommand
{
    private static readonly string[] Actions = ["list", "describe", "lag", "reset-offsets", "delete"];
    private static readonly OptionSpec GroupOption = OptionSpec.Value("group", "id", "group to act on", "g");
    private static readonly OptionSpec State = OptionSpec.Flag("state", "list: show each group's state");

    public override string Name => "group";

    public override string Summary => "list, describe, reset the offsets of, or delete consumer groups";

    public override string Synopsis =>
        "Usage: runnel group list [--state]\n"
        + "       runnel group describe <group>\n"
        + "       runnel group lag <group> [--watch]\n"
        + "       runnel group reset-offsets <group> [--topic t[:p,p]]... | --all-topics\n"
        + "                  --to-earliest | --to-latest | --to-offset n | --to-datetime t | --shift-by n  [--dry-run]\n"
        + "       runnel group delete <group>\n"
        + "The action may also be written --list, --describe, --lag, --reset-offsets or --delete, and the group as --group.";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        BootstrapServer, ConfigFile, GroupOption, State, Watch, .. ResetOptions,
        .. Actions.Select(a => OptionSpec.Flag(a, $"same as the '{a}' action")), Help,
    ];

    public override int MaxPositionals => 2;

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var given = Actions.Where(a => args.Has(a) || args.Positionals.Contains(a)).ToList();
        var action = given.Count switch
        {
            1 => given[0],
            0 => throw new UsageException("Say what to do: list, describe, lag, reset-offsets or delete."),
            _ => throw new UsageException($"Choose one action, not {string.Join(" and ", given)}."),
        };
        var groupId = args.Get(GroupOption.Name) ?? args.Positionals.FirstOrDefault(p => !Actions.Contains(p));
        if (action != "list" && groupId is null)
            throw new UsageException($"{action} needs a group: runnel group {action} <group>.");
        await using var admin = new RunnelAdminClient(AdminOptionsOf(args));
        return action switch
        {
            "list" => await ListAsync(admin, args.Has(State.Name), console, cancellationToken).ConfigureAwait(false),
            "describe" => await DescribeAsync(admin, groupId!, console, cancellationToken).ConfigureAwait(false),
            "lag" => await LagAsync(admin, groupId!, args.Has(Watch.Name), console, cancellationToken).ConfigureAwait(false),
            "reset-offsets" => await ResetOffsetsAsync(admin, groupId!, args, console, cancellationToken).ConfigureAwait(false),
            _ => await DeleteAsync(admin, groupId!, console, cancellationToken).ConfigureAwait(false),
        };
    }

    private static async Task<int> ListAsync(RunnelAdminClient admin, bool withState, CliConsole console, CancellationToken cancellationToken)
    {
        var groups = await admin.ListGroupsAsync(cancellationToken).ConfigureAwait(false);
        if (!withState)
        {
            foreach (var group in groups)
                await console.Out.WriteLineAsync(group.GroupId).ConfigureAwait(false);
            return CliApp.Ok;
        }
        await Table.WriteAsync(console.Out, ["GROUP", "STATE"], groups.Select(g => new[] { g.GroupId, g.State })).ConfigureAwait(false);
        return CliApp.Ok;
    }

    private static async Task<int> DescribeAsync(RunnelAdminClient admin, string groupId, CliConsole console, CancellationToken cancellationToken)
    {
        var group = await admin.DescribeGroupAsync(groupId, cancellationToken).ConfigureAwait(false);
        var committed = await admin.ListGroupOffsetsAsync(groupId, cancellationToken).ConfigureAwait(false);
        if (group.State == "Dead" && committed.Count == 0)
            throw new RunnelException(ErrorCode.GroupIdNotFound, $"Consumer group '{groupId}' does not exist.");
        var owners = group.Members.SelectMany(m => m.Assignment.Select(p => (Partition: p, Member: m))).ToDictionary(o => o.Partition, o => o.Member);
        var partitions = committed.Keys.Union(owners.Keys).OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList();
        var lags = await MeasureLagAsync(admin, partitions, committed, cancellationToken).ConfigureAwait(false);
        await console.Out.WriteLineAsync(group.Members.Count == 0
            ? $"Consumer group '{groupId}' has no active members (state {group.State})."
            : $"Consumer group '{groupId}' ({group.State}, protocol {group.Protocol}, {group.Members.Count} members)").ConfigureAwait(false);
        var evaluator = new Broker.Groups.Lag.ConsumerLagEvaluator(TimeProvider.System);
        var rows = LagRows(groupId, lags, evaluator, oneShot: true).Zip(lags, (cells, lag) =>
        {
            var owner = owners.GetValueOrDefault(lag.Partition);
            return (string[])[.. cells[..6], owner?.MemberId ?? "-", owner?.Host ?? "-", owner?.ClientId ?? "-", .. cells[6..]];
        });
        await console.Out.WriteLineAsync().ConfigureAwait(false);
        await Table.WriteAsync(console.Out,
            ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID", "LAG-SECONDS", "STATUS"], rows)
            .ConfigureAwait(false);
        await console.Out.WriteLineAsync($"\nTotal lag: {lags.Sum(l => l.Lag ?? 0)}").ConfigureAwait(false);
        return CliApp.Ok;
    }

    private static async Task<int> DeleteAsync(RunnelAdminClient admin, string groupId, CliConsole console, CancellationToken cancellationToken)
    {
        await admin.DeleteGroupsAsync([groupId], cancellationToken).ConfigureAwait(false);
        await console.Out.WriteLineAsync($"Deleted group {groupId}.").ConfigureAwait(false);
        return CliApp.Ok;
    }

    private static string Text(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
