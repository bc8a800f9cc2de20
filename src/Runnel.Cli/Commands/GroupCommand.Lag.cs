using Runnel.Broker.Groups.Lag;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Client.Consumer;
using Runnel.Protocol;

namespace Runnel.Cli.Commands;

/// <summary>One partition of a group as the CLI measures it over the Kafka protocol.</summary>
internal sealed record GroupPartitionLag(TopicPartition Partition, long Committed, long End, long? Lag, double? LagSeconds);

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

    /// <summary>The partitions of <paramref name="partitions"/> with their lag, given the group's committed offsets.</summary>
    internal static async Task<List<GroupPartitionLag>> MeasureLagAsync(RunnelAdminClient admin, ClientOptions connection, IReadOnlyList<TopicPartition> partitions,
        IReadOnlyDictionary<TopicPartition, long> committed, CancellationToken cancellationToken)
    {
        var ends = partitions.Count == 0 ? new Dictionary<TopicPartition, ListedOffset>()
            : await admin.ListOffsetsAsync(partitions, OffsetSpec.Latest, cancellationToken).ConfigureAwait(false);
        var rows = partitions.Select(p =>
        {
            var offset = committed.GetValueOrDefault(p, -1);
            var end = ends.TryGetValue(p, out var listed) ? listed.Offset : -1;
            long? lag = offset >= 0 && end >= 0 ? Math.Max(0, end - offset) : null;
            return new GroupPartitionLag(p, offset, end, lag, lag == 0 ? 0 : null);
        }).ToList();
        var behind = rows.Where(r => r.Lag > 0).ToList();
        if (behind.Count == 0)
            return rows;
        var timestamps = await NextRecordTimestampsAsync(connection, behind.ToDictionary(r => r.Partition, r => r.Committed), cancellationToken).ConfigureAwait(false);
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return [.. rows.Select(r => timestamps.TryGetValue(r.Partition, out var timestamp) ? r with { LagSeconds = Math.Max(0, nowMs - timestamp) / 1000.0 } : r)];
    }

    /// <summary>The timestamp of the first record at or after each given offset, read with a group-less consumer (2 s at most).</summary>
    private static async Task<Dictionary<TopicPartition, long>> NextRecordTimestampsAsync(ClientOptions connection, Dictionary<TopicPartition, long> offsets,
        CancellationToken cancellationToken)
    {
        var found = new Dictionary<TopicPartition, long>();
        await using var consumer = new RunnelConsumer(new ConsumerOptions { BootstrapServers = connection.BootstrapServers, Security = connection.Security, EnableAutoCommit = false });
        consumer.Assign(offsets.Keys);
        foreach (var (partition, offset) in offsets)
            consumer.Seek(partition, offset);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            while (found.Count < offsets.Count)
            {
                foreach (var record in await consumer.PollAsync(TimeSpan.FromMilliseconds(500), deadline.Token).ConfigureAwait(false))
                {
                    if (record.Offset >= offsets[record.TopicPartition])
                        found.TryAdd(record.TopicPartition, record.Timestamp);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Some partitions gave nothing in time (records deleted or aborted): their LAG-SECONDS stays unknown.
        }
        return found;
    }

    /// <summary>The lag table's rows, with each partition's status from <paramref name="evaluator"/>'s window.</summary>
    private static IEnumerable<string[]> LagRows(string groupId, IReadOnlyList<GroupPartitionLag> rows, ConsumerLagEvaluator evaluator, bool oneShot)
        => rows.Select(r => new[]
        {
            groupId, r.Partition.Topic, Text(r.Partition.Partition), r.Committed >= 0 ? Text(r.Committed) : "-", r.End >= 0 ? Text(r.End) : "-",
            r.Lag is { } l ? Text(l) : "-", r.LagSeconds is { } s ? s.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) : "-",
            r.Lag is not { } lag ? "-"
                : oneShot && lag > 0 ? "-"
                : StatusName(evaluator.Evaluate(groupId, r.Partition.Topic, r.Partition.Partition, lag)),
        });

    private static string StatusName(ConsumerLagStatus status) => status switch
    {
        ConsumerLagStatus.Ok => "OK",
        ConsumerLagStatus.Warn => "WARN",
        ConsumerLagStatus.Stall => "STALL",
        ConsumerLagStatus.Stop => "STOP",
        _ => "ERROR",
    };

    /// <summary><c>group lag</c>: the lag table once, or with --watch redrawn every second until cancelled.</summary>
    private static async Task<int> LagAsync(RunnelAdminClient admin, ClientOptions connection, string groupId, bool watch, CliConsole console, CancellationToken cancellationToken)
    {
        var evaluator = new ConsumerLagEvaluator(TimeProvider.System);
        var last = new Dictionary<TopicPartition, long>();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), TimeProvider.System);
        do
        {
            var committed = await admin.ListGroupOffsetsAsync(groupId, cancellationToken).ConfigureAwait(false);
            var partitions = committed.Keys.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList();
            var rows = await MeasureLagAsync(admin, connection, partitions, committed, cancellationToken).ConfigureAwait(false);
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
