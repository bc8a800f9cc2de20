using Runnel.Broker.Configuration;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Net.Security;

namespace Runnel.Cli.Commands;

/// <summary>A top-level command: its options (with Kafka's spellings) and what it does with them.</summary>
internal abstract class CliCommand
{
    /// <summary>Kafka's spellings first, then kcat's and the old console tools' where they differ.</summary>
    public static readonly OptionSpec BootstrapServer = OptionSpec.Value("bootstrap-server", "host:port",
        "broker(s) to bootstrap from, comma-separated (default localhost:9092)", "bootstrap-servers", "broker-list", "b");

    public static readonly OptionSpec Help = OptionSpec.Flag("help", "show this help", "h");

    /// <summary>kafka-topics' --command-config and the console tools' --producer.config / --consumer.config.</summary>
    public static readonly OptionSpec ConfigFile = OptionSpec.Value("command-config", "file",
        "client configs from a Java properties file (bootstrap.servers, client.id, ...); flags win over it",
        "producer.config", "consumer.config");

    public abstract string Name { get; }

    public abstract string Summary { get; }

    /// <summary>The synopsis lines shown above the options.</summary>
    public abstract string Synopsis { get; }

    public abstract IReadOnlyList<OptionSpec> Options { get; }

    public virtual int MaxPositionals => 0;

    public abstract Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken);

    public string Usage => $"{Synopsis}\n\nOptions:\n{ArgumentParser.Describe(Options)}";

    /// <summary>An admin client's settings: the bootstrap servers, and the security keys of the --command-config file.</summary>
    protected static ClientOptions AdminOptionsOf(ParsedArguments args)
        => new() { BootstrapServers = BootstrapOf(args), Security = SecurityOf(ConfigFileOf(args)) };

    /// <summary>Kafka's client security keys (security.protocol, ssl.*, sasl.*), which every command accepts in its configs.</summary>
    protected static bool IsSecurityKey(string key)
        => key == "security.protocol" || key.StartsWith("ssl.", StringComparison.Ordinal) || key.StartsWith("sasl.", StringComparison.Ordinal);

    /// <summary>The connection security <paramref name="settings"/> describe; a bad setting is a usage error naming the key.</summary>
    protected static ConnectionSecurity SecurityOf(IReadOnlyDictionary<string, string> settings)
        => ConnectionSecurity.FromClientProperties(settings.GetValueOrDefault, (key, message) => new UsageException($"{key}: {message}"));

    protected static string BootstrapOf(ParsedArguments args)
        => args.Get(BootstrapServer.Name) ?? ConfigFileOf(args).GetValueOrDefault("bootstrap.servers") ?? "localhost:9092";

    /// <summary>The settings in the --command-config file, or none.</summary>
    protected static Dictionary<string, string> ConfigFileOf(ParsedArguments args)
    {
        if (args.Get(ConfigFile.Name) is not { } path)
            return [];
        try
        {
            return PropertiesFile.Parse(File.ReadAllText(path)).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"Cannot read the config file {path}: {e.Message}");
        }
    }
}
