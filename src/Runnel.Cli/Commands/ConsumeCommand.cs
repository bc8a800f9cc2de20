using System.Diagnostics;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client.Consumer;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel consume --topic t</c>: prints records from all partitions (or one) starting at the end, the beginning,
/// an offset or a timestamp, until interrupted, <c>--max-messages</c>, <c>--timeout-ms</c> of silence, or
/// <c>--exit-at-end</c>. With <c>--group</c> it reads as a group member instead and commits what it printed.
/// </summary>
internal sealed partial class ConsumeCommand : CliCommand
{
    private static readonly OptionSpec Topic = OptionSpec.Value("topic", "name", "topic to read", "t");
    private static readonly OptionSpec Partition = OptionSpec.Value("partition", "n", "read only this partition", "p");
    private static readonly OptionSpec FromBeginning = OptionSpec.Flag("from-beginning", "start at the earliest offset");
    private static readonly OptionSpec Offset = OptionSpec.Value("offset", "earliest|latest|n|-n",
        "start offset: earliest, latest, an absolute offset, or -n for n records before the end", "o");
    private static readonly OptionSpec Timestamp = OptionSpec.Value("timestamp", "ms|ISO-8601",
        "start at the first record at or after this time", "from-timestamp");
    private static readonly OptionSpec MaxMessages = OptionSpec.Value("max-messages", "n", "stop after n records", "c");
    private static readonly OptionSpec TimeoutMs = OptionSpec.Value("timeout-ms", "ms", "stop when no record arrives for this long");
    private static readonly OptionSpec ExitAtEnd = OptionSpec.Flag("exit-at-end", "stop at the end offsets seen when starting", "e");
    private static readonly OptionSpec Group = OptionSpec.Value("group", "id",
        "read as a member of this consumer group: the group assigns partitions, reading starts at its committed offsets (else per --from-beginning), and progress is committed", "group-id", "g");
    private static readonly OptionSpec Format = OptionSpec.Value("format", "fmt", RecordFormatter.FormatHelp, "f");
    private static readonly OptionSpec Property = OptionSpec.Many("property", "key=value",
        "formatter setting: print.key, print.value, print.partition, print.offset, print.timestamp, print.headers, key.separator, line.separator, headers.separator, headers.key.separator, null.literal");
    private static readonly OptionSpec ConsumerProperty = OptionSpec.Many("consumer-property", "key=value",
        "consumer config: fetch.max.wait.ms, fetch.min.bytes, fetch.max.bytes, max.partition.fetch.bytes, isolation.level, client.id, check.crcs", "X");

    public override string Name => "consume";

    public override string Summary => "print records of a topic";

    public override string Synopsis =>
        "Usage: runnel consume --topic <name> [--partition n] [--from-beginning | --offset o | --timestamp t] [--max-messages n] [--format '%k:%v']";

    public override IReadOnlyList<OptionSpec> Options { get; } =
        [BootstrapServer, ConfigFile, Topic, Partition, FromBeginning, Offset, Timestamp, MaxMessages, TimeoutMs, ExitAtEnd, Group, Format, Property, ConsumerProperty, Help];

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var topic = args.Get(Topic.Name) ?? throw new UsageException("--topic is required.");
        var group = args.Get(Group.Name);
        if (group is not null && (args.Has(Partition.Name) || args.Has(Offset.Name) || args.Has(Timestamp.Name)))
            throw new UsageException("--group reads where the group left off: leave out --partition, --offset and --timestamp.");
        var start = StartOf(args);
        var formatter = BuildFormatter(args);
        var maxMessages = args.GetLong(MaxMessages.Name);
        var idleLimit = args.GetInt(TimeoutMs.Name) is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;

        var options = BuildOptions(args, start);
        options.GroupId = group;
        // Commit often, so a describe of the group shows progress while this runs; and on exit.
        options.AutoCommitInterval = TimeSpan.FromSeconds(1);
        await using var consumer = new RunnelConsumer(options);
        IReadOnlyDictionary<Client.TopicPartition, long>? ends = null;
        if (group is not null)
            consumer.Subscribe([topic]);
        else
        {
            if (args.GetInt(Partition.Name) is { } partition)
                consumer.Assign([new(topic, partition)]);
            else
                await consumer.AssignAllPartitionsAsync(topic, cancellationToken).ConfigureAwait(false);
            await SeekAsync(consumer, start, cancellationToken).ConfigureAwait(false);
            ends = args.Has(ExitAtEnd.Name) ? await consumer.EndOffsetsAsync(cancellationToken: cancellationToken).ConfigureAwait(false) : null;
        }

        var progress = new Progress(console, "Consumed", live: !console.OutputIsTerminal);
        var idle = Stopwatch.StartNew();
        try
        {
            while (maxMessages is null || progress.Records < maxMessages)
            {
                if (ends is not null && ends.All(e => consumer.Position(e.Key) >= e.Value))
                    break;
                var wait = idleLimit is { } limit ? limit - idle.Elapsed : TimeSpan.FromSeconds(1);
                if (wait <= TimeSpan.Zero)
                    break;
                var records = await consumer.PollAsync(wait < TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                // A group member learns its partitions on its first poll; --exit-at-end then stops at their ends as they were.
                if (ends is null && group is not null && args.Has(ExitAtEnd.Name) && consumer.Assignment.Count > 0)
                    ends = await consumer.EndOffsetsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var record in records)
                {
                    formatter.Write(record, console.Out);
                    progress.Add(1, (record.Key?.Length ?? 0) + (record.Value?.Length ?? 0));
                    if (progress.Records == maxMessages)
                        break;
                }
                if (records.Count > 0)
                {
                    idle.Restart();
                    await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C is the normal way to stop an open-ended consume: print the summary and exit cleanly.
        }
        await console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        progress.Finish();
        return CliApp.Ok;
    }
}
