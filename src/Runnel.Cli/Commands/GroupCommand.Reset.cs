using System.Globalization;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Protocol;

namespace Runnel.Cli.Commands;

/// <summary>
/// reset-offsets: moves a stopped group's committed offsets, per partition, to the earliest or latest offset, an
/// absolute offset, the first record at or after a time, or by a shift; targets outside the log are clamped to
/// its bounds, as Kafka does. Refused while the group has members, whose positions would win anyway.
/// </summary>
internal sealed partial class GroupCommand
{
    private static readonly OptionSpec Topic = OptionSpec.Many("topic", "t[:p,p]", "reset-offsets: a topic, or some of its partitions", "t");
    private static readonly OptionSpec AllTopics = OptionSpec.Flag("all-topics", "reset-offsets: every topic the group has offsets for (the default)");
    private static readonly OptionSpec ToEarliest = OptionSpec.Flag("to-earliest", "reset to the earliest offset");
    private static readonly OptionSpec ToLatest = OptionSpec.Flag("to-latest", "reset to the log end offset");
    private static readonly OptionSpec ToOffset = OptionSpec.Value("to-offset", "n", "reset to offset n");
    private static readonly OptionSpec ToDatetime = OptionSpec.Value("to-datetime", "ms|ISO-8601", "reset to the first record at or after this time");
    private static readonly OptionSpec ShiftBy = OptionSpec.Value("shift-by", "n", "move the committed offset by n (negative: back)");
    private static readonly OptionSpec DryRun = OptionSpec.Flag("dry-run", "only print the new offsets");
    private static readonly OptionSpec Execute = OptionSpec.Flag("execute", "apply the new offsets (the default; kafka-consumer-groups needs it)");

    private static IEnumerable<OptionSpec> ResetOptions => [Topic, AllTopics, ToEarliest, ToLatest, ToOffset, ToDatetime, ShiftBy, DryRun, Execute];

    private static async Task<int> ResetOffsetsAsync(RunnelAdminClient admin, string groupId, ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var targets = new[] { ToEarliest, ToLatest, ToOffset, ToDatetime, ShiftBy }.Where(o => args.Has(o.Name)).ToList();
        if (targets.Count != 1)
            throw new UsageException("Give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by.");
        if (args.Has(DryRun.Name) && args.Has(Execute.Name))
            throw new UsageException("Choose --dry-run or --execute, not both.");
        var group = await admin.DescribeGroupAsync(groupId, cancellationToken).ConfigureAwait(false);
        if (group.IsActive)
        {
            throw new RunnelException(ErrorCode.NonEmptyGroup,
                $"Assignments can only be reset if the group '{groupId}' is inactive, but the current state is {group.State} with {group.Members.Count} members.");
        }
        var committed = await admin.ListGroupOffsetsAsync(groupId, cancellationToken).ConfigureAwait(false);
        var partitions = await PartitionsToResetAsync(admin, args, committed, cancellationToken).ConfigureAwait(false);
        if (partitions.Count == 0)
            throw new UsageException($"Group '{groupId}' has no committed offsets; name the topics with --topic.");
        var (target, value) = targets[0].Name switch
        {
            "to-earliest" => (OffsetResetTarget.Earliest, 0L),
            "to-latest" => (OffsetResetTarget.Latest, 0L),
            "to-offset" => (OffsetResetTarget.Offset, args.GetLong(ToOffset.Name)!.Value),
            "to-datetime" => (OffsetResetTarget.Timestamp, ConsumeCommand.ParseTimestamp(args.Get(ToDatetime.Name)!)),
            _ => (OffsetResetTarget.ShiftBy, args.GetLong(ShiftBy.Name)!.Value),
        };
        var offsets = await admin.PlanGroupOffsetResetAsync(partitions, committed, target, value, cancellationToken).ConfigureAwait(false);
        await Table.WriteAsync(console.Out, ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"],
            offsets.Select(o => new[] { groupId, o.Key.Topic, Text(o.Key.Partition), Text(o.Value) })).ConfigureAwait(false);
        if (args.Has(DryRun.Name))
            return CliApp.Ok;
        await admin.AlterGroupOffsetsAsync(groupId, offsets, cancellationToken).ConfigureAwait(false);
        return CliApp.Ok;
    }

    /// <summary>The partitions named by --topic (a whole topic, or "t:0,2"), else every partition the group committed.</summary>
    private static async Task<List<TopicPartition>> PartitionsToResetAsync(RunnelAdminClient admin, ParsedArguments args,
        IReadOnlyDictionary<TopicPartition, long> committed, CancellationToken cancellationToken)
    {
        var named = args.GetAll(Topic.Name);
        if (named.Count == 0 || args.Has(AllTopics.Name))
            return [.. committed.Keys.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition)];
        var result = new List<TopicPartition>();
        foreach (var spec in named)
        {
            var colon = spec.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                result.AddRange(spec[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries)
                    .Select(p => new TopicPartition(spec[..colon], ParsedArguments.ParseInt("topic", p))));
                continue;
            }
            var topics = await admin.DescribeTopicsAsync([spec], includeOffsets: false, cancellationToken).ConfigureAwait(false);
            result.AddRange(topics[0].Partitions.Select(p => new TopicPartition(spec, p.Partition)));
        }
        return result;
    }
}
