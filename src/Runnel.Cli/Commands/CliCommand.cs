using Runnel.Cli.Parsing;

namespace Runnel.Cli.Commands;

/// <summary>A top-level command: its options (with Kafka's spellings) and what it does with them.</summary>
internal abstract class CliCommand
{
    /// <summary>Kafka's spellings first, then kcat's and the old console tools' where they differ.</summary>
    public static readonly OptionSpec BootstrapServer = OptionSpec.Value("bootstrap-server", "host:port",
        "broker(s) to bootstrap from, comma-separated (default localhost:9092)", "bootstrap-servers", "broker-list", "b");

    public static readonly OptionSpec Help = OptionSpec.Flag("help", "show this help", "h");

    public abstract string Name { get; }

    public abstract string Summary { get; }

    /// <summary>The synopsis lines shown above the options.</summary>
    public abstract string Synopsis { get; }

    public abstract IReadOnlyList<OptionSpec> Options { get; }

    public virtual int MaxPositionals => 0;

    public abstract Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken);

    public string Usage => $"{Synopsis}\n\nOptions:\n{ArgumentParser.Describe(Options)}";

    protected static string BootstrapOf(ParsedArguments args) => args.Get(BootstrapServer.Name) ?? "localhost:9092";
}
