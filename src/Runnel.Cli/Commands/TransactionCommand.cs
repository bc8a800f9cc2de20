using System.Globalization;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel txn list|describe|abort|find-hanging</c>, as kafka-transactions.sh lists and describes: list shows every
/// transactional id with its coordinator's state and producer id (optionally filtered by state, producer id, or the
/// time a transaction has been open); describe shows one id's producer, epoch, state, timeout, start and partitions;
/// abort and find-hanging are in TransactionCommand.Hanging.cs.
/// </summary>
internal sealed partial class TransactionCommand : CliCommand
{
    private static readonly string[] Actions = ["list", "describe", "abort", "find-hanging"];
    private static readonly OptionSpec TransactionalId = OptionSpec.Value("transactional-id", "id", "the transactional id to describe");
    private static readonly OptionSpec StateFilter = OptionSpec.Many("state", "name", "list: only ids in this state (Empty, Ongoing, PrepareCommit, ...)");
    private static readonly OptionSpec ProducerFilter = OptionSpec.Many("producer-id", "n", "list: only ids of this producer id. abort: the producer whose transaction to end (with --producer-epoch and --coordinator-epoch)");
    private static readonly OptionSpec Duration = OptionSpec.Value("duration-filter", "ms", "list: only transactions open longer than this");

    public override string Name => "txn";

    public override string Summary => "list and describe transactional ids, find and abort hanging transactions";

    public override string Synopsis =>
        "Usage: runnel txn list [--state s]... [--producer-id n]... [--duration-filter ms]\n"
        + "       runnel txn describe <transactional-id>\n"
        + "       runnel txn abort --topic <name> --partition <p> (--start-offset <o> | --producer-id <n> --producer-epoch <e> --coordinator-epoch <c>)\n"
        + "       runnel txn find-hanging (--broker-id <n> | --topic <name> [--partition <p>]) [--max-transaction-timeout <minutes>]\n"
        + "The action may also be written --list, --describe, --abort or --find-hanging, and the id as --transactional-id.";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        BootstrapServer, ConfigFile, TransactionalId, StateFilter, ProducerFilter, Duration, Topic, Partition, StartOffset, ProducerEpoch, CoordinatorEpoch, BrokerId,
        MaxTransactionTimeout,
        .. Actions.Select(a => OptionSpec.Flag(a, $"same as the '{a}' action")), Help,
    ];

    public override int MaxPositionals => 2;

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var given = Actions.Where(a => args.Has(a) || args.Positionals.Contains(a)).ToList();
        var action = given.Count switch
        {
            1 => given[0],
            0 => throw new UsageException("Say what to do: list, describe, abort or find-hanging."),
            _ => throw new UsageException($"Choose one action, not {string.Join(" and ", given)}."),
        };
        var transactionalId = args.Get(TransactionalId.Name) ?? args.Positionals.FirstOrDefault(p => !Actions.Contains(p));
        if (action == "describe" && transactionalId is null)
            throw new UsageException("describe needs a transactional id: runnel txn describe <transactional-id>.");
        await using var admin = new RunnelAdminClient(AdminOptionsOf(args));
        if (action == "abort")
            return await AbortAsync(admin, args, console, cancellationToken).ConfigureAwait(false);
        if (action == "find-hanging")
            return await FindHangingAsync(admin, args, console, cancellationToken).ConfigureAwait(false);
        if (action == "list")
        {
            var producerIds = args.GetAll(ProducerFilter.Name).Select(p => long.TryParse(p, CultureInfo.InvariantCulture, out var id) ? id
                : throw new UsageException($"--producer-id needs a number, not '{p}'.")).ToList();
            var listed = await admin.ListTransactionsAsync(args.GetAll(StateFilter.Name), producerIds, args.GetLong(Duration.Name) ?? -1, cancellationToken)
                .ConfigureAwait(false);
            await Table.WriteAsync(console.Out, ["TRANSACTIONAL-ID", "PRODUCER-ID", "STATE"],
                listed.Select(t => new[] { t.TransactionalId, Text(t.ProducerId), t.State })).ConfigureAwait(false);
            return CliApp.Ok;
        }
        var described = await admin.DescribeTransactionAsync(transactionalId!, cancellationToken).ConfigureAwait(false);
        var partitions = string.Join(",", described.Partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).Select(p => $"{p.Topic}-{p.Partition}"));
        var started = described.StartTimeMs < 0 ? "None" : DateTimeOffset.FromUnixTimeMilliseconds(described.StartTimeMs).ToString("u", CultureInfo.InvariantCulture);
        await Table.WriteAsync(console.Out, ["COORDINATOR-ID", "TRANSACTIONAL-ID", "PRODUCER-ID", "PRODUCER-EPOCH", "TRANSACTION-STATE", "TRANSACTION-TIMEOUT-MS",
            "TRANSACTION-START-TIME", "TOPIC-PARTITIONS"],
            [[Text(described.CoordinatorId), described.TransactionalId, Text(described.ProducerId), Text(described.ProducerEpoch), described.State,
                Text(described.TimeoutMs), started, partitions.Length == 0 ? "None" : partitions]]).ConfigureAwait(false);
        return CliApp.Ok;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
