using System.Text;
using Runnel.Cli.Tests.Support;
using Runnel.Client;
using Runnel.Client.Producer;
using Runnel.Client.Tests.Support;

namespace Runnel.Cli.Tests.EndToEnd;

/// <summary><c>runnel produce</c> and <c>runnel consume</c> against an in-process broker.</summary>
public sealed class ProduceConsumeCommandTests : IAsyncLifetime
{
    private static readonly string[] KeyedLines = ["alpha", "beta", "gamma"];

    private TestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private string[] With(params string[] args) => [.. args, "--bootstrap-server", _broker.BootstrapServers];

    private Task<CliResult> Run(params string[] args) => CliRun.RunAsync(With(args));

    private Task<CliResult> RunWithInput(string input, params string[] args) => CliRun.RunWithInputAsync(input, With(args));

    [Fact]
    public async Task Keyed_lines_go_in_and_come_back_in_order_through_the_format_string()
    {
        await Run("topic", "create", "--topic", "t", "--partitions", "1");
        var lines = string.Join('\n', Enumerable.Range(0, 50).Select(i => $"k{i % 5}:v{i}")) + "\n";
        var produced = await RunWithInput(lines, "produce", "--topic", "t", "--property", "parse.key=true", "--property", "key.separator=:");
        Assert.Equal((CliApp.Ok, "", ""), (produced.ExitCode, produced.Out, produced.Error));

        var consumed = await Run("consume", "--topic", "t", "--from-beginning", "--max-messages", "50", "--format", "%k=%v@%o");
        Assert.Equal(CliApp.Ok, consumed.ExitCode);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"k{i % 5}=v{i}@{i}"), consumed.Out.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Keys_pick_partitions_as_java_does_and_print_offsets_reports_them()
    {
        await Run("topic", "create", "--topic", "p3", "--partitions", "3");
        var produced = await RunWithInput("alpha\tone\nbeta\ttwo\ngamma\tthree\n", "produce", "-t", "p3", "--key-separator", "\t", "--print-offsets");
        var expected = KeyedLines.Select(k => KafkaPartitioner.PartitionForKey(Encoding.UTF8.GetBytes(k), 3)).ToList();
        Assert.Equal(expected, produced.Out.TrimEnd('\n').Split('\n').Select(l => int.Parse(l[3..l.IndexOf('@', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)));

        var consumed = await Run("consume", "-t", "p3", "--from-beginning", "--exit-at-end", "--property", "print.key=true", "--property", "print.partition=true");
        Assert.Equal(
            KeyedLines.Zip(["one", "two", "three"]).Select((kv, i) => $"Partition:{expected[i]}\t{kv.First}\t{kv.Second}").Order(),
            consumed.Out.TrimEnd('\n').Split('\n').Order());
    }

    [Fact]
    public async Task Consume_from_an_offset_or_a_timestamp_on_one_partition()
    {
        await Run("topic", "create", "--topic", "times", "--partitions", "1");
        await using (var producer = new RunnelProducer(new ProducerOptions { BootstrapServers = _broker.BootstrapServers }))
        {
            for (var i = 0; i < 5; i++)
                await producer.ProduceAsync(new ProducerRecord("times", Encoding.UTF8.GetBytes($"r{i}")) { Timestamp = 1_000 * (i + 1) });
        }

        var fromOffset = await Run("consume", "--topic", "times", "--partition", "0", "--offset", "3", "--max-messages", "2", "--format", "%o %T %v");
        Assert.Equal("3 4000 r3\n4 5000 r4\n", fromOffset.Out);

        var fromTime = await Run("consume", "--topic", "times", "--timestamp", "2500", "--exit-at-end");
        Assert.Equal("r2\nr3\nr4\n", fromTime.Out);

        var fromIso = await Run("consume", "--topic", "times", "--from-timestamp", "1970-01-01T00:00:04Z", "--exit-at-end");
        Assert.Equal("r3\nr4\n", fromIso.Out);

        var lastTwo = await Run("consume", "--topic", "times", "--offset", "-2", "--exit-at-end");
        Assert.Equal("r3\nr4\n", lastTwo.Out);
    }

    [Fact]
    public async Task Headers_nulls_and_compression_survive_the_trip()
    {
        await Run("topic", "create", "--topic", "h", "--partitions", "1");
        var produced = await RunWithInput("trace:1\tk\tNULL\n", "produce", "--topic", "h", "--compression", "lz4", "--header", "src=cli",
            "--property", "parse.headers=true", "--property", "parse.key=true", "--null-marker", "NULL");
        Assert.Equal(CliApp.Ok, produced.ExitCode);

        var consumed = await Run("consume", "--topic", "h", "--from-beginning", "--max-messages", "1", "--format", "%k|%v|%h");
        Assert.Equal("k|null|trace=1,src=cli\n", consumed.Out);
    }

    [Fact]
    public async Task A_person_watching_stderr_gets_a_summary_while_piped_runs_stay_plain()
    {
        await Run("topic", "create", "--topic", "s", "--partitions", "1");
        var produced = await CliRun.RunWatchedAsync("a\nb\nc\n", With("produce", "--topic", "s"));
        Assert.Matches(@"^(\r\u001b\[2K.*)?Produced 3 records \(3 B\) in [0-9.]+ s, [0-9]+ records/s\n$", produced.Error);

        var consumed = await CliRun.RunWatchedAsync("", With("consume", "--topic", "s", "--from-beginning", "--max-messages", "3"));
        Assert.Equal("a\nb\nc\n", consumed.Out);
        Assert.Contains("Consumed 3 records (3 B)", consumed.Error, StringComparison.Ordinal);
        Assert.Equal("", (await Run("consume", "--topic", "s", "--from-beginning", "--max-messages", "3")).Error);
    }

    [Fact]
    public async Task A_quiet_topic_ends_after_the_timeout_and_a_bad_line_is_reported()
    {
        await Run("topic", "create", "--topic", "q", "--partitions", "1");
        var quiet = await Run("consume", "--topic", "q", "--timeout-ms", "200");
        Assert.Equal((CliApp.Ok, ""), (quiet.ExitCode, quiet.Out));

        var bad = await RunWithInput("good:1\nno separator\n", "produce", "--topic", "q", "--key-separator", ":");
        Assert.Equal(CliApp.Failed, bad.ExitCode);
        Assert.Contains("No key separator found on line 2.", bad.Error, StringComparison.Ordinal);
        Assert.Equal("good:1\n", (await Run("consume", "--topic", "q", "--from-beginning", "-e", "--format", "%k:%v")).Out);
    }
}

/// <summary>Producing that cannot succeed: a missing topic (auto-creation off), or records over the size limit.</summary>
public class ProduceFailureTests
{
    [Fact]
    public async Task A_missing_topic_fails_before_any_input_is_read()
    {
        await using var broker = await TestBroker.StartAsync("auto.create.topics.enable=false");

        var result = await CliRun.RunWithInputAsync("a\nb\n", "produce", "--topic", "absent", "--bootstrap-server", broker.BootstrapServers,
            "--producer-property", "request.timeout.ms=5000");

        Assert.Equal(CliApp.Failed, result.ExitCode);
        Assert.Equal("runnel produce: Topic 'absent' does not exist.\n", result.Error);
    }

    [Fact]
    public async Task Every_line_failing_is_explained_for_the_first_ten_only()
    {
        await using var broker = await TestBroker.StartAsync();
        var lines = string.Concat(Enumerable.Range(0, 200).Select(i => $"a line longer than the limit {i}\n"));

        var result = await CliRun.RunWithInputAsync(lines, "produce", "--topic", "small", "--bootstrap-server", broker.BootstrapServers,
            "--producer-property", "max.request.size=30");

        Assert.Equal(CliApp.Failed, result.ExitCode);
        var errors = result.Error.TrimEnd('\n').Split('\n');
        Assert.Equal(11, errors.Length);
        Assert.StartsWith("runnel produce: line 1 was not delivered: The record is about", errors[0], StringComparison.Ordinal);
        Assert.Equal("runnel produce: more records failed; only their count is reported.", errors[^1]);
    }
}
