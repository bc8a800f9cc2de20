using Runnel.Cli.Tests.Support;
using Runnel.Client.Tests.Support;

namespace Runnel.Cli.Tests.EndToEnd;

/// <summary>
/// <c>runnel producer describe</c>, <c>runnel txn abort</c> and <c>runnel txn find-hanging</c> against an in-process
/// single-node broker: their usage errors, and their answers for partitions without transactions (open transactions
/// left by real clients are in Runnel.IntegrationTests' HangingTransactionTests).
/// </summary>
public sealed class TransactionCommandTests : IAsyncLifetime
{
    private const string ProducerHeader = "PARTITION  PRODUCER-ID  PRODUCER-EPOCH  LATEST-COORDINATOR-EPOCH  LAST-SEQUENCE  LAST-TIMESTAMP  CURRENT-TRANSACTION-START-OFFSET";
    private const string HangingHeader = "TOPIC  PARTITION  PRODUCER-ID  PRODUCER-EPOCH  COORDINATOR-EPOCH  START-OFFSET  LAST-TIMESTAMP  DURATION(MIN)";

    private TestBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await TestBroker.StartAsync();
        Assert.Equal(CliApp.Ok, (await Run("topic", "create", "--topic", "t", "--partitions", "2")).ExitCode);
        Assert.Equal(CliApp.Ok, (await CliRun.RunWithInputAsync("a\nb\n", "produce", "--topic", "t", "--partition", "1", "--bootstrap-server", _broker.BootstrapServers)).ExitCode);
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private Task<CliResult> Run(params string[] args) => CliRun.RunAsync([.. args, "--bootstrap-server", _broker.BootstrapServers]);

    [Fact]
    public async Task Producer_describe_prints_the_header_alone_for_partitions_without_producers_and_fails_for_unknown_ones()
    {
        Assert.Equal((CliApp.Ok, ProducerHeader + "\n", ""), Result(await Run("producer", "describe", "--topic", "t")));
        Assert.Equal((CliApp.Ok, ProducerHeader + "\n", ""), Result(await Run("producer", "--describe", "--topic", "t", "--partition", "1")));
        var absent = await Run("producer", "describe", "--topic", "t", "--partition", "5");
        Assert.Equal(CliApp.Failed, absent.ExitCode);
        Assert.Equal("runnel producer: Topic 't' has no partition 5 (it has 2).\n", absent.Error);
        var notReplica = await Run("producer", "describe", "--topic", "t", "--partition", "0", "--broker-id", "42");
        Assert.Equal(CliApp.Failed, notReplica.ExitCode);
        Assert.Equal("runnel producer: Broker 42 is not in the cluster's metadata.\n", notReplica.Error);
    }

    [Fact]
    public async Task Abort_fails_with_kafkas_message_when_no_transaction_starts_at_the_offset()
    {
        var aborted = await Run("txn", "abort", "--topic", "t", "--partition", "1", "--start-offset", "0");
        Assert.Equal((CliApp.Failed, ""), (aborted.ExitCode, aborted.Out));
        Assert.Equal("runnel txn: Could not find any open transactions starting at offset 0 on partition t-1.\n", aborted.Error);
    }

    [Fact]
    public async Task Find_hanging_prints_the_header_alone_without_open_transactions()
    {
        Assert.Equal((CliApp.Ok, HangingHeader + "\n", ""), Result(await Run("txn", "find-hanging", "--broker-id", $"{_broker.Broker.NodeId}", "--max-transaction-timeout", "0")));
        Assert.Equal((CliApp.Ok, HangingHeader + "\n", ""), Result(await Run("txn", "--find-hanging", "--topic", "t")));
    }

    [Theory]
    [InlineData("describe needs --topic.", "producer", "describe")]
    [InlineData("Say what to do: describe.", "producer", "--topic", "t")]
    [InlineData("The transaction to abort must be identified either with --start-offset or with --producer-id, --producer-epoch and --coordinator-epoch.",
        "txn", "abort", "--topic", "t", "--partition", "0")]
    [InlineData("abort needs --partition.", "txn", "abort", "--topic", "t", "--start-offset", "0")]
    [InlineData("Missing required argument --producer-epoch.", "txn", "abort", "--topic", "t", "--partition", "0", "--producer-id", "7")]
    [InlineData("Missing required argument --coordinator-epoch.", "txn", "abort", "--topic", "t", "--partition", "0", "--producer-id", "7", "--producer-epoch", "0")]
    [InlineData("find-hanging needs --topic or --broker-id to limit the scope of the search.", "txn", "find-hanging")]
    [InlineData("--partition needs --topic.", "txn", "find-hanging", "--broker-id", "1", "--partition", "0")]
    [InlineData("Choose one action, not abort and find-hanging.", "txn", "abort", "--find-hanging")]
    public async Task Usage_errors_name_what_is_missing(string message, params string[] args)
    {
        var result = await Run(args);
        Assert.Equal(CliApp.BadUsage, result.ExitCode);
        Assert.StartsWith($"runnel {args[0]}: {message}\n", result.Error, StringComparison.Ordinal);
    }

    private static (int, string, string) Result(CliResult result) => (result.ExitCode, result.Out, result.Error);
}
