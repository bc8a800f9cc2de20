using System.Globalization;
using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client.Consumer;

namespace Runnel.Cli.Commands;

/// <summary>Where to start, how to print, and consumer settings from Kafka's spellings.</summary>
internal sealed partial class ConsumeCommand
{
    internal enum StartKind
    {
        End,
        Beginning,
        Offset,
        BeforeEnd,
        Timestamp,
    }

    internal readonly record struct StartPosition(StartKind Kind, long Value = 0);

    internal static StartPosition StartOf(ParsedArguments args)
    {
        var given = new[] { FromBeginning, Offset, Timestamp }.Where(o => args.Has(o.Name)).ToList();
        if (given.Count > 1)
            throw new UsageException($"Choose one start: {string.Join(", ", given.Select(o => $"--{o.Name}"))} were all given.");
        if (args.Has(FromBeginning.Name))
            return new(StartKind.Beginning);
        if (args.Get(Timestamp.Name) is { } time)
            return new(StartKind.Timestamp, ParseTimestamp(time));
        return args.Get(Offset.Name) switch
        {
            null or "latest" or "end" => new(StartKind.End),
            "earliest" or "beginning" => new(StartKind.Beginning),
            var text when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset)
                => offset >= 0 ? new(StartKind.Offset, offset) : new(StartKind.BeforeEnd, -offset),
            var text => throw new UsageException($"--offset expects earliest, latest, a number or -n, not '{text}'."),
        };
    }

    /// <summary>Unix milliseconds, or an ISO-8601 time (UTC unless it names an offset).</summary>
    internal static long ParseTimestamp(string text)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            return ms;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUnixTimeMilliseconds()
            : throw new UsageException($"--timestamp expects Unix milliseconds or an ISO-8601 time, not '{text}'.");
    }

    internal static RecordFormatter BuildFormatter(ParsedArguments args)
    {
        var properties = args.GetPairs(Property.Name);
        try
        {
            return args.Get(Format.Name) is { } format
                ? RecordFormatter.FromFormat(format, properties.GetValueOrDefault("null.literal") ?? "null")
                : RecordFormatter.FromKafkaProperties(properties);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    internal static ConsumerOptions BuildOptions(ParsedArguments args, StartPosition start)
    {
        var options = new ConsumerOptions
        {
            ClientId = "runnel-consumer",
            // Where an out-of-range position goes: an explicit offset past the end waits at the end, as Kafka's
            // console consumer does; positions found by time or counted back from the end fell off the log's start.
            AutoOffsetReset = start.Kind is StartKind.End or StartKind.Offset ? AutoOffsetReset.Latest : AutoOffsetReset.Earliest,
        };
        // A config file may hold anything a Java consumer reads (deserializers, security): what we do not use is skipped.
        var settings = ConfigFileOf(args);
        foreach (var (key, value) in settings)
            Apply(options, key, value);
        foreach (var (key, value) in args.GetPairs(ConsumerProperty.Name))
        {
            settings[key] = value;
            if (!Apply(options, key, value) && !IsSecurityKey(key))
                throw new UsageException($"Unsupported consumer property '{key}'.");
        }
        if (args.Get(BootstrapServer.Name) is { } bootstrap)
            options.BootstrapServers = bootstrap;
        options.Security = SecurityOf(settings);
        return options;
    }

    private static bool Apply(ConsumerOptions options, string key, string value)
    {
        switch (key)
        {
            case "fetch.max.wait.ms": options.FetchMaxWait = TimeSpan.FromMilliseconds(ParsedArguments.ParseInt(key, value)); break;
            case "fetch.min.bytes": options.FetchMinBytes = ParsedArguments.ParseInt(key, value); break;
            case "fetch.max.bytes": options.FetchMaxBytes = ParsedArguments.ParseInt(key, value); break;
            case "max.partition.fetch.bytes": options.MaxPartitionFetchBytes = ParsedArguments.ParseInt(key, value); break;
            case "isolation.level": options.ReadCommitted = value == "read_committed"; break;
            case "client.id": options.ClientId = value; break;
            case "check.crcs": options.CheckCrcs = value != "false"; break;
            case "bootstrap.servers": options.BootstrapServers = value; break;
            case "request.timeout.ms": options.RequestTimeout = TimeSpan.FromMilliseconds(ParsedArguments.ParseInt(key, value)); break;
            default: return false;
        }
        return true;
    }

    private static async Task SeekAsync(RunnelConsumer consumer, StartPosition start, CancellationToken cancellationToken)
    {
        switch (start.Kind)
        {
            case StartKind.Beginning:
                await consumer.SeekToBeginningAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case StartKind.Offset:
                foreach (var partition in consumer.Assignment)
                    consumer.Seek(partition, start.Value);
                break;
            case StartKind.BeforeEnd:
                var ends = await consumer.EndOffsetsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var (partition, end) in ends)
                    consumer.Seek(partition, Math.Max(0, end - start.Value));
                break;
            case StartKind.Timestamp:
                await consumer.SeekToTimestampAsync(start.Value, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            default:
                await consumer.SeekToEndAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
        }
    }
}
