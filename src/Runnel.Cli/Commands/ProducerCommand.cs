using System.Globalization;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel producer describe --topic T [--partition P] [--broker-id N]</c>, as kafka-transactions.sh
/// describe-producers: the producers of a partition (of each partition of the topic without --partition) with their
/// epoch, the coordinator epoch of their last marker (-1 before any), last sequence, last timestamp and the start
/// offset of their open transaction (None without one), as the leader (or broker N's replica) reports them.
/// </summary>
internal sealed class ProducerCommand : CliCommand
{
    private static readonly string[] Actions = ["describe"];
    private static readonly OptionSpec Topic = OptionSpec.Value("topic", "name", "the topic whose producers to describe", "t");
    private static readonly OptionSpec Partition = OptionSpec.Value("partition", "p", "only this partition (default: every partition of --topic)");
    private static readonly OptionSpec BrokerId = OptionSpec.Value("broker-id", "n", "ask broker n's replica instead of the leader");

    internal static readonly string[] Headers =
        ["PARTITION", "PRODUCER-ID", "PRODUCER-EPOCH", "LATEST-COORDINATOR-EPOCH", "LAST-SEQUENCE", "LAST-TIMESTAMP", "CURRENT-TRANSACTION-START-OFFSET"];

    public override string Name => "producer";

    public override string Summary => "describe the active producers of partitions";

    public override string Synopsis =>
        "Usage: runnel producer describe --topic <name> [--partition <p>] [--broker-id <n>]\n"
        + "The action may also be written --describe.";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        BootstrapServer, ConfigFile, Topic, Partition, BrokerId, .. Actions.Select(a => OptionSpec.Flag(a, $"same as the '{a}' action")), Help,
    ];

    public override int MaxPositionals => 1;

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        if (!args.Has("describe") && !args.Positionals.Contains("describe"))
            throw new UsageException(args.Positionals.Count > 0 ? $"Unknown action '{args.Positionals[0]}'; the action is describe." : "Say what to do: describe.");
        var topic = args.Get(Topic.Name) ?? throw new UsageException("describe needs --topic.");
        var partition = args.GetInt(Partition.Name);
        var brokerId = args.GetInt(BrokerId.Name);
        await using var admin = new RunnelAdminClient(AdminOptionsOf(args));
        IReadOnlyList<TopicPartition> partitions = partition is { } p ? [new TopicPartition(topic, p)]
            : [.. (await admin.DescribeTopicsAsync([topic], includeOffsets: false, cancellationToken).ConfigureAwait(false)).Single().Partitions
                .Select(d => new TopicPartition(topic, d.Partition))];
        var described = await admin.DescribeProducersAsync(partitions, brokerId, cancellationToken).ConfigureAwait(false);
        var rows = partitions.OrderBy(tp => tp.Partition).SelectMany(tp => described[tp].Select(s => Row(tp.Partition, s)));
        await Table.WriteAsync(console.Out, Headers, rows).ConfigureAwait(false);
        return CliApp.Ok;
    }

    private static string[] Row(int partition, ProducerState state) =>
    [
        Text(partition), Text(state.ProducerId), Text(state.ProducerEpoch), Text(state.CoordinatorEpoch ?? -1), Text(state.LastSequence),
        Text(state.LastTimestamp), state.CurrentTransactionStartOffset is { } start ? Text(start) : "None",
    ];

    internal static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
