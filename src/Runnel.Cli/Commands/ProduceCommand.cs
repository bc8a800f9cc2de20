using System.Globalization;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Producer;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel produce --topic t</c>: one record per line of stdin (or <c>--file</c>), keys split off with
/// <c>--key-separator</c> or Kafka's <c>--property parse.key=true --property key.separator=:</c>.
/// </summary>
internal sealed partial class ProduceCommand : CliCommand
{
    /// <summary>Records awaiting their delivery report before reading more input: bounds memory on endless input.</summary>
    private const int MaxOutstanding = 10_000;

    /// <summary>Failures explained one by one before the rest are only counted (a missing topic fails every line).</summary>
    private const int MaxReportedFailures = 10;

    private static readonly OptionSpec Topic = OptionSpec.Value("topic", "name", "topic to write to", "t");
    private static readonly OptionSpec File = OptionSpec.Value("file", "path", "read lines from this file instead of stdin", "f");
    private static readonly OptionSpec KeySeparator = OptionSpec.Value("key-separator", "text", "split each line into key and value at the first occurrence", "K");
    private static readonly OptionSpec Partition = OptionSpec.Value("partition", "n", "write every record to this partition", "p");
    private static readonly OptionSpec AcksOption = OptionSpec.Value("acks", "all|1|0", "acknowledgement to wait for (default all)", "request-required-acks", "a");
    private static readonly OptionSpec Compression = OptionSpec.Value("compression", "codec", "none, gzip, snappy, lz4 or zstd", "compression-codec", "compression-type", "z");
    private static readonly OptionSpec Header = OptionSpec.Many("header", "key=value", "header added to every record", "H");
    private static readonly OptionSpec Property = OptionSpec.Many("property", "key=value",
        "line reader setting: parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error");
    private static readonly OptionSpec ProducerProperty = OptionSpec.Many("producer-property", "key=value",
        "producer config: acks, linger.ms, batch.size, compression.type, client.id, max.request.size, delivery.timeout.ms, request.timeout.ms", "X");
    private static readonly OptionSpec Linger = OptionSpec.Value("linger-ms", "ms", "how long a batch waits for more records (default 5)", "timeout");
    private static readonly OptionSpec BatchSize = OptionSpec.Value("batch-size", "bytes", "batch size in bytes (default 16384)");
    private static readonly OptionSpec NullMarker = OptionSpec.Value("null-marker", "text", "a key or value equal to this is sent as null");
    private static readonly OptionSpec PrintOffsets = OptionSpec.Flag("print-offsets", "print topic-partition@offset for each record, in input order");

    public override string Name => "produce";

    public override string Summary => "write lines from stdin or a file as records";

    public override string Synopsis => "Usage: runnel produce --topic <name> [--key-separator :] [--partition n] [--acks all|1|0] [--compression codec] < lines";

    public override IReadOnlyList<OptionSpec> Options { get; } =
        [BootstrapServer, ConfigFile, Topic, File, KeySeparator, Partition, AcksOption, Compression, Header, Property, ProducerProperty, Linger, BatchSize, NullMarker, PrintOffsets, Help];

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var topic = args.Get(Topic.Name) ?? throw new UsageException("--topic is required.");
        var options = BuildOptions(args);
        var reader = BuildLineReader(args);
        var partition = args.GetInt(Partition.Name);
        var file = args.Get(File.Name);
        using var input = file is null ? null : OpenFile(file);
        var lines = input ?? console.In;

        // A person typing lines needs no counter; a file or a pipe can be long.
        var progress = new Progress(console, "Produced", live: input is not null || !console.InputIsTerminal);
        var outstanding = new Queue<(long Line, long Bytes, Task<DeliveryResult> Delivery)>();
        var failures = 0;
        await using (var producer = new RunnelProducer(options))
        {
            // Fail before reading any input when the cluster cannot be reached or the topic cannot be had.
            var partitions = await producer.PartitionsForAsync(topic, cancellationToken).ConfigureAwait(false);
            if (partition is { } chosen && !partitions.Contains(chosen))
                throw new RunnelException($"Topic '{topic}' has no partition {chosen} (it has {partitions.Count}).");
            long lineNumber = 0;
            while (await ReadLineAsync(lines, cancellationToken).ConfigureAwait(false) is { } line)
            {
                lineNumber++;
                ParsedLine parsed;
                try
                {
                    parsed = reader.Parse(line, lineNumber);
                }
                catch (FormatException e)
                {
                    failures++;
                    await console.Error.WriteLineAsync($"runnel produce: {e.Message}").ConfigureAwait(false);
                    continue;
                }
                var record = new ProducerRecord(topic, parsed.Key, parsed.Value) { Partition = partition, Headers = parsed.Headers };
                var bytes = (parsed.Key?.Length ?? 0) + (parsed.Value?.Length ?? 0);
                outstanding.Enqueue((lineNumber, bytes, producer.ProduceAsync(record, CancellationToken.None)));
                while (outstanding.Count > 0 && (outstanding.Count > MaxOutstanding || outstanding.Peek().Delivery.IsCompleted))
                    failures += await ReportAsync(outstanding.Dequeue(), args, console, progress, failures).ConfigureAwait(false);
            }
            await producer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            while (outstanding.Count > 0)
                failures += await ReportAsync(outstanding.Dequeue(), args, console, progress, failures).ConfigureAwait(false);
        }
        progress.Finish(failures > 0 ? $"; {failures} failed" : null);
        return failures > 0 ? CliApp.Failed : CliApp.Ok;
    }

    /// <summary>Awaits one delivery; returns 1 when it failed, saying why for the first few failures only.</summary>
    private static async Task<int> ReportAsync((long Line, long Bytes, Task<DeliveryResult> Delivery) entry, ParsedArguments args, CliConsole console, Progress progress, int failedSoFar)
    {
        try
        {
            var result = await entry.Delivery.ConfigureAwait(false);
            progress.Add(1, entry.Bytes);
            if (args.Has(PrintOffsets.Name))
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{result.Topic}-{result.Partition}@{result.Offset}")).ConfigureAwait(false);
            return 0;
        }
        catch (RunnelException e)
        {
            if (failedSoFar < MaxReportedFailures)
                await console.Error.WriteLineAsync($"runnel produce: line {entry.Line} was not delivered: {e.Message}").ConfigureAwait(false);
            else if (failedSoFar == MaxReportedFailures)
                await console.Error.WriteLineAsync("runnel produce: more records failed; only their count is reported.").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>The next line, or null at the end of input or when interrupted (what was read still gets sent).</summary>
    private static async Task<string?> ReadLineAsync(TextReader lines, CancellationToken cancellationToken)
    {
        try
        {
            return await lines.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static StreamReader OpenFile(string path)
    {
        try
        {
            return new StreamReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunnelException($"Cannot read {path}: {e.Message}", e);
        }
    }
}
