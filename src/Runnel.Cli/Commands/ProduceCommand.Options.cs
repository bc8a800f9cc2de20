using Runnel.Cli.Output;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Producer;
using Runnel.Protocol.Compression;

namespace Runnel.Cli.Commands;

/// <summary>Turning Kafka's many spellings of producer settings into <see cref="ProducerOptions"/> and a line reader.</summary>
internal sealed partial class ProduceCommand
{
    internal static ProducerOptions BuildOptions(ParsedArguments args)
    {
        var options = new ProducerOptions { ClientId = "runnel-producer" };
        // A config file may hold anything a Java producer reads (serializers, security): what we do not use is skipped.
        var settings = ConfigFileOf(args);
        foreach (var (key, value) in settings)
            Apply(options, key, value);
        // --producer-property next, so the dedicated flags below win when both are given.
        foreach (var (key, value) in args.GetPairs(ProducerProperty.Name))
        {
            settings[key] = value;
            if (!Apply(options, key, value) && !IsSecurityKey(key))
                throw new UsageException($"Unsupported producer property '{key}'.");
        }
        if (args.Get(BootstrapServer.Name) is { } bootstrap)
            options.BootstrapServers = bootstrap;
        options.Security = SecurityOf(settings);
        if (args.Get(AcksOption.Name) is { } acks)
            options.Acks = ParseAcks(acks);
        if (args.Get(Compression.Name) is { } codec)
            options.Compression = ParseCompression(codec);
        if (args.GetInt(Linger.Name) is { } linger)
            options.Linger = TimeSpan.FromMilliseconds(linger);
        if (args.GetInt(BatchSize.Name) is { } batchSize)
            options.BatchSize = batchSize > 0 ? batchSize : throw new UsageException("--batch-size must be positive.");
        return options;
    }

    private static bool Apply(ProducerOptions options, string key, string value)
    {
        switch (key)
        {
            case "acks": options.Acks = ParseAcks(value); break;
            case "linger.ms": options.Linger = TimeSpan.FromMilliseconds(ParsedArguments.ParseInt(key, value)); break;
            case "batch.size": options.BatchSize = ParsedArguments.ParseInt(key, value); break;
            case "compression.type": options.Compression = ParseCompression(value); break;
            case "client.id": options.ClientId = value; break;
            case "max.request.size": options.MaxRequestSize = ParsedArguments.ParseInt(key, value); break;
            case "delivery.timeout.ms": options.DeliveryTimeout = TimeSpan.FromMilliseconds(ParsedArguments.ParseInt(key, value)); break;
            case "request.timeout.ms": options.RequestTimeout = TimeSpan.FromMilliseconds(ParsedArguments.ParseInt(key, value)); break;
            case "bootstrap.servers": options.BootstrapServers = value; break;
            default: return false;
        }
        return true;
    }

    internal static LineReader BuildLineReader(ParsedArguments args)
    {
        var properties = args.GetPairs(Property.Name);
        if (args.Get(KeySeparator.Name) is { } separator)
        {
            properties["parse.key"] = "true";
            properties["key.separator"] = separator;
        }
        if (args.Get(NullMarker.Name) is { } marker)
            properties["null.marker"] = marker;
        var headers = args.GetPairs(Header.Name).Select(h => new MessageHeader(h.Key, System.Text.Encoding.UTF8.GetBytes(h.Value))).ToList();
        try
        {
            return LineReader.FromProperties(properties, headers);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    internal static Acks ParseAcks(string value) => value.ToLowerInvariant() switch
    {
        "all" or "-1" => Client.Producer.Acks.All,
        "1" => Client.Producer.Acks.Leader,
        "0" => Client.Producer.Acks.None,
        _ => throw new UsageException($"acks must be all, -1, 1 or 0, not '{value}'."),
    };

    internal static CompressionType ParseCompression(string value) => value.ToLowerInvariant() switch
    {
        "none" => CompressionType.None,
        "gzip" => CompressionType.Gzip,
        "snappy" => CompressionType.Snappy,
        "lz4" => CompressionType.Lz4,
        "zstd" => CompressionType.Zstd,
        _ => throw new UsageException($"compression must be none, gzip, snappy, lz4 or zstd, not '{value}'."),
    };
}
