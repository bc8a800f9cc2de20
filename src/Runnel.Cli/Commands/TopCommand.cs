using System.Globalization;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel top</c>: the web console's overview for a terminal, redrawn every interval until Ctrl-C (or for
/// --iterations frames): the cluster, controller and metadata quorum; each broker's leaders and replicas; each topic's
/// partitions, under-replicated and leaderless partitions, records and produce rate (records per second, from the
/// change of its log end offsets since the last frame); each group's state and total lag (log end − committed,
/// summed). Everything over the Kafka protocol, as the other commands.
/// </summary>
internal sealed class TopCommand : CliCommand
{
    private static readonly OptionSpec Interval = OptionSpec.Value("interval", "seconds", "time between frames (default 2)");
    private static readonly OptionSpec Iterations = OptionSpec.Value("iterations", "n", "stop after n frames (default: until Ctrl-C)");
    private static readonly OptionSpec Internal = OptionSpec.Flag("internal", "also list internal topics (__consumer_offsets)");

    public override string Name => "top";

    public override string Summary => "a live terminal view of brokers, quorum, topics and consumer lag";

    public override string Synopsis => "Usage: runnel top [--bootstrap-server host:port] [--interval seconds] [--iterations n] [--internal]";

    public override IReadOnlyList<OptionSpec> Options { get; } = [BootstrapServer, ConfigFile, Interval, Iterations, Internal, Help];

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(args.GetInt(Interval.Name) ?? 2);
        if (interval <= TimeSpan.Zero)
            throw new UsageException("--interval must be at least 1 second.");
        var frames = args.GetInt(Iterations.Name);
        if (frames is <= 0)
            throw new UsageException("--iterations must be positive.");
        await using var admin = new RunnelAdminClient(AdminOptionsOf(args));
        using var timer = new PeriodicTimer(interval, TimeProvider.System);
        var previous = new Dictionary<string, (long Records, long Timestamp)>();
        for (var frame = 1; ; frame++)
        {
            if (console.OutputIsTerminal)
                await console.Out.WriteAsync("\u001b[H\u001b[2J").ConfigureAwait(false);
            await DrawAsync(admin, console.Out, previous, args.Has(Internal.Name), cancellationToken).ConfigureAwait(false);
            if (frame == frames || !await WaitTickAsync(timer, cancellationToken).ConfigureAwait(false))
                return CliApp.Ok;
            await console.Out.WriteLineAsync().ConfigureAwait(false);
        }
    }

    private static async Task DrawAsync(RunnelAdminClient admin, TextWriter output, Dictionary<string, (long Records, long Timestamp)> previous, bool internals,
        CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetTimestamp();
        var cluster = await admin.DescribeClusterAsync(cancellationToken).ConfigureAwait(false);
        var topics = await admin.DescribeTopicsAsync(includeOffsets: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        string quorumLine;
        try
        {
            var quorum = await admin.DescribeQuorumAsync(cancellationToken).ConfigureAwait(false);
            var behind = quorum.Voters.Count(v => v.LogEndOffset < quorum.HighWatermark);
            quorumLine = $"quorum leader {quorum.LeaderId} epoch {quorum.LeaderEpoch} high watermark {quorum.HighWatermark}, {quorum.Voters.Count} voters ({behind} behind), {quorum.Observers.Count} observers";
        }
        catch (RunnelException e)
        {
            quorumLine = $"quorum: {e.Message}";
        }
        await output.WriteLineAsync($"runnel top  {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z  cluster {cluster.ClusterId}  controller {cluster.ControllerId}").ConfigureAwait(false);
        await output.WriteLineAsync(quorumLine).ConfigureAwait(false);
        var partitions = topics.SelectMany(t => t.Partitions).ToList();
        await output.WriteLineAsync().ConfigureAwait(false);
        await Table.WriteAsync(output, ["BROKER", "ENDPOINT", "RACK", "LEADERS", "REPLICAS"], cluster.Brokers.Select(b => new[]
        {
            Text(b.NodeId) + (b.NodeId == cluster.ControllerId ? "*" : ""), b.Endpoint, b.Rack ?? "-",
            Text(partitions.Count(p => p.Leader == b.NodeId)), Text(partitions.Count(p => p.Replicas.Contains(b.NodeId))),
        })).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        var rows = new List<string[]>();
        foreach (var topic in topics.Where(t => internals || !t.IsInternal))
        {
            var records = topic.Partitions.Sum(p => p.LatestOffset ?? 0);
            var rate = previous.TryGetValue(topic.Name, out var last)
                ? ((records - last.Records) / TimeProvider.System.GetElapsedTime(last.Timestamp, now).TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture)
                : "-";
            previous[topic.Name] = (records, now);
            rows.Add([topic.Name, Text(topic.Partitions.Count), Text(topic.Partitions.Count(p => p.IsUnderReplicated)), Text(topic.Partitions.Count(p => !p.HasLeader)),
                Text(topic.Partitions.Sum(p => p.RecordCount ?? 0)), rate]);
        }
        await Table.WriteAsync(output, ["TOPIC", "PARTITIONS", "UNDER-REPLICATED", "OFFLINE", "RECORDS", "RECORDS/S"], rows).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        var ends = topics.SelectMany(t => t.Partitions.Select(p => (Key: new TopicPartition(t.Name, p.Partition), p.LatestOffset))).ToDictionary(x => x.Key, x => x.LatestOffset);
        var groupRows = new List<string[]>();
        foreach (var group in await admin.ListGroupsAsync(cancellationToken).ConfigureAwait(false))
        {
            var committed = await admin.ListGroupOffsetsAsync(group.GroupId, cancellationToken).ConfigureAwait(false);
            var lag = committed.Sum(c => ends.GetValueOrDefault(c.Key) is { } end ? Math.Max(0, end - c.Value) : 0);
            groupRows.Add([group.GroupId, group.State, Text(committed.Count), Text(lag)]);
        }
        await Table.WriteAsync(output, ["GROUP", "STATE", "PARTITIONS", "LAG"], groupRows).ConfigureAwait(false);
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

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
