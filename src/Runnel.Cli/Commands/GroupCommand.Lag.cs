using Runnel.Broker.Groups.Lag;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Client.Consumer;
using Runnel.Protocol;

namespace Runnel.Cli.Commands;

/// <summary>
/// Consumer lag over the Kafka protocol, so it works against any broker: OffsetFetch for the committed offsets,
/// ListOffsets (latest, which is the high watermark) for the ends, and for a partition with lag a Fetch of the record at
/// the committed offset, whose timestamp gives the lag in seconds (now − that timestamp; 0 when caught up).
/// STATUS is <see cref="ConsumerLagEvaluator"/>'s over the observations this command made: <c>group describe</c> makes
/// one, which tells OK when caught up and nothing ("-") otherwise; <c>group lag --watch</c> observes once a second and
/// counts an observation whose committed offset moved as a commit. A commit that repeats the offset is invisible from
/// here, so the CLI reports STOP where the broker's kafka_consumergroup_status (which sees every commit) says STALL.
/// </summary>
internal sealed partial class GroupCommand
{
    private static readonly OptionSpec Watch = OptionSpec.Flag("watch", "lag: redraw the table every second until Ctrl-C");

    private static readonly string[] LagHeaders = ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "LAG-SECONDS", "STATUS"];

    /// <summary>The partitions of <paramref name="partitions"/> with their lag (<see cref="RunnelAdminClient.MeasureGroupLagAsync"/>).</summary>
    internal static Task<List<GroupPartitionLag>> MeasureLagAsync(RunnelAdminClient admin, IReadOnlyList<TopicPartition> partitions,
        IReadOnlyDictionary<TopicPartition, long> committed, CancellationToken cancellationToken)
        => admin.MeasureGroupLagAsync(partitions, committed, cancellationToken);

    /// <summary>The lag table's rows, with each partition's status from <paramref name="evaluator"/>'s window.</summary>
    internal static IEnumerable<string[]> LagRows(string groupId, IReadOnlyList<GroupPartitionLag> rows, ConsumerLagEvaluator evaluator, bool oneShot)
        => rows.Select(r => new[]
        {
            groupId, r.Partition.Topic, Text(r.Partition.Partition), r.Committed >= 0 ? Text(r.Committed) : "-", r.End >= 0 ? Text(r.End) : "-",
            r.Lag is { } l ? Text(l) : "-", r.LagSeconds is { } s ? s.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) : "-",
            r.Lag is not { } lag ? "-"
                : oneShot && lag > 0 ? "-"
                : StatusName(evaluator.Evaluate(groupId, r.Partition.Topic, r.Partition.Partition, lag)),
        });

    internal static string StatusName(ConsumerLagStatus status) => status switch
    {
        ConsumerLagStatus.Ok => "OK",
        ConsumerLagStatus.Warn => "WARN",
        ConsumerLagStatus.Stall => "STALL",
        ConsumerLagStatus.Stop => "STOP",
        _ => "ERROR",
    };

    /// <summary><c>group lag</c>: the lag table once, or with --watch redrawn every second until cancelled.</summary>
    private static async Task<int> LagAsync(RunnelAdminClient admin, string groupId, bool watch, CliConsole console, CancellationToken cancellationToken)
    {
        var evaluator = new ConsumerLagEvaluator(TimeProvider.System);
        var last = new Dictionary<TopicPartition, long>();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), TimeProvider.System);
        do
        {
            var committed = await admin.ListGroupOffsetsAsync(groupId, cancellationToken).ConfigureAwait(false);
            var partitions = committed.Keys.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList();
            var rows = await MeasureLagAsync(admin, partitions, committed, cancellationToken).ConfigureAwait(false);
            foreach (var row in rows.Where(r => r.Committed >= 0 && r.End >= 0 && last.GetValueOrDefault(r.Partition, -1) != r.Committed))
            {
                evaluator.RecordCommit(groupId, row.Partition.Topic, row.Partition.Partition, row.Committed, row.End);
                last[row.Partition] = row.Committed;
            }
            if (watch && console.OutputIsTerminal)
                await console.Out.WriteAsync("\u001b[H\u001b[2J").ConfigureAwait(false);
            await console.Out.WriteLineAsync($"Consumer group '{groupId}' at {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z").ConfigureAwait(false);
            await Table.WriteAsync(console.Out, LagHeaders, LagRows(groupId, rows, evaluator, oneShot: !watch)).ConfigureAwait(false);
            await console.Out.WriteLineAsync($"\nTotal lag: {rows.Sum(r => r.Lag ?? 0)}").ConfigureAwait(false);
        }
        while (watch && await WaitTickAsync(timer, cancellationToken).ConfigureAwait(false));
        return CliApp.Ok;
    }

    private static async Task<bool> WaitTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
