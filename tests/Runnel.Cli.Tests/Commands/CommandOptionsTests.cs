using System.Text;
using Runnel.Cli.Commands;
using Runnel.Cli.Parsing;
using Runnel.Client.Producer;
using Runnel.Protocol.Compression;

namespace Runnel.Cli.Tests.Commands;

/// <summary>Each command's options as Kafka users spell them, parsed with the command's own option list.</summary>
public class CommandOptionsTests
{
    private static ParsedArguments Parse(CliCommand command, params string[] args) => ArgumentParser.Parse(args, command.Options, command.MaxPositionals);

    [Theory]
    [InlineData("create", "create", "--topic", "t")]
    [InlineData("create", "--create", "--topic", "t", "--partitions", "3", "--replication-factor", "1")]
    [InlineData("list", "--list")]
    [InlineData("describe", "describe", "t")]
    [InlineData("delete", "--delete", "--topic", "t")]
    [InlineData("alter", "alter", "--topic", "t", "--partitions", "4")]
    public void Topic_actions_are_positional_or_kafka_flags(string expected, params string[] args)
        => Assert.Equal(expected, TopicCommand.ActionOf(Parse(new TopicCommand(), args)));

    [Fact]
    public void Topic_needs_exactly_one_action()
    {
        Assert.Throws<UsageException>(() => TopicCommand.ActionOf(Parse(new TopicCommand(), "--topic", "t")));
        Assert.Throws<UsageException>(() => TopicCommand.ActionOf(Parse(new TopicCommand(), "create", "--delete")));
    }

    [Fact]
    public void Producer_settings_from_flags_and_producer_properties()
    {
        var options = ProduceCommand.BuildOptions(Parse(new ProduceCommand(),
            "--bootstrap-server", "h:1", "--producer-property", "acks=1", "--producer-property", "linger.ms=50",
            "--compression-codec", "gzip", "--batch-size", "1000"));
        Assert.Equal("h:1", options.BootstrapServers);
        Assert.Equal(Acks.Leader, options.Acks);
        Assert.Equal(TimeSpan.FromMilliseconds(50), options.Linger);
        Assert.Equal(CompressionType.Gzip, options.Compression);
        Assert.Equal(1000, options.BatchSize);
    }

    [Theory]
    [InlineData("all", Acks.All)]
    [InlineData("-1", Acks.All)]
    [InlineData("1", Acks.Leader)]
    [InlineData("0", Acks.None)]
    public void Acks_spellings(string text, Acks expected)
    {
        Assert.Equal(expected, ProduceCommand.BuildOptions(Parse(new ProduceCommand(), "--request-required-acks", text)).Acks);
        Assert.Equal(expected, ProduceCommand.BuildOptions(Parse(new ProduceCommand(), "--acks", text)).Acks);
    }

    [Fact]
    public void Flags_win_over_producer_properties_and_bad_values_are_usage_errors()
    {
        Assert.Equal(Acks.None, ProduceCommand.BuildOptions(Parse(new ProduceCommand(), "--producer-property", "acks=all", "--acks", "0")).Acks);
        Assert.Throws<UsageException>(() => ProduceCommand.BuildOptions(Parse(new ProduceCommand(), "--acks", "2")));
        Assert.Throws<UsageException>(() => ProduceCommand.BuildOptions(Parse(new ProduceCommand(), "--compression", "brotli")));
        Assert.Throws<UsageException>(() => ProduceCommand.BuildOptions(Parse(new ProduceCommand(), "--producer-property", "nope=1")));
    }

    [Fact]
    public void Key_separator_is_shorthand_for_parse_key_with_that_separator()
    {
        var kafka = ProduceCommand.BuildLineReader(Parse(new ProduceCommand(), "--property", "parse.key=true", "--property", "key.separator=:"));
        var shorthand = ProduceCommand.BuildLineReader(Parse(new ProduceCommand(), "--key-separator", ":", "--header", "a=b"));
        foreach (var reader in new[] { kafka, shorthand })
            Assert.Equal("k", Encoding.UTF8.GetString(reader.Parse("k:v", 1).Key!));
        Assert.Equal("a", Assert.Single(shorthand.Parse("k:v", 1).Headers).Key);
    }

    [Theory]
    [InlineData("End", 0)]
    [InlineData("Beginning", 0, "--from-beginning")]
    [InlineData("Beginning", 0, "--offset", "earliest")]
    [InlineData("End", 0, "--offset", "latest")]
    [InlineData("Offset", 42, "--offset", "42")]
    [InlineData("BeforeEnd", 10, "-o", "-10")]
    [InlineData("Timestamp", 1_700_000_000_000, "--timestamp", "1700000000000")]
    [InlineData("Timestamp", 1_700_000_000_000, "--from-timestamp", "2023-11-14T22:13:20Z")]
    public void Consume_start_positions(string kind, long value, params string[] args)
        => Assert.Equal(new ConsumeCommand.StartPosition(Enum.Parse<ConsumeCommand.StartKind>(kind), value), ConsumeCommand.StartOf(Parse(new ConsumeCommand(), args)));

    [Fact]
    public void Consume_takes_one_start_and_valid_values()
    {
        Assert.Throws<UsageException>(() => ConsumeCommand.StartOf(Parse(new ConsumeCommand(), "--from-beginning", "--offset", "3")));
        Assert.Throws<UsageException>(() => ConsumeCommand.StartOf(Parse(new ConsumeCommand(), "--offset", "middle")));
        Assert.Throws<UsageException>(() => ConsumeCommand.StartOf(Parse(new ConsumeCommand(), "--timestamp", "yesterday")));
        Assert.Throws<UsageException>(() => ConsumeCommand.BuildFormatter(Parse(new ConsumeCommand(), "--format", "%q")));
    }
}

/// <summary>Settings from Kafka client config files (--producer.config, --consumer.config, --command-config).</summary>
public sealed class ConfigFileTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"runnel-{Guid.NewGuid():N}.properties");

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void Producer_config_files_apply_what_we_use_and_flags_win()
    {
        File.WriteAllText(_file, "# a Java producer's file\nbootstrap.servers=file:1\nacks=1\nlinger.ms=7\nkey.serializer=org.apache.kafka.common.serialization.StringSerializer\n");
        var fromFile = ProduceCommand.BuildOptions(ArgumentParser.Parse(["--producer.config", _file], new ProduceCommand().Options, 0));
        Assert.Equal(("file:1", Acks.Leader, TimeSpan.FromMilliseconds(7)), (fromFile.BootstrapServers, fromFile.Acks, fromFile.Linger));

        var overridden = ProduceCommand.BuildOptions(ArgumentParser.Parse(
            ["--producer.config", _file, "--producer-property", "acks=0", "--bootstrap-server", "flag:2"], new ProduceCommand().Options, 0));
        Assert.Equal(("flag:2", Acks.None), (overridden.BootstrapServers, overridden.Acks));
    }

    [Fact]
    public void Consumer_config_files_and_a_missing_file()
    {
        File.WriteAllText(_file, "bootstrap.servers=file:3\nfetch.max.wait.ms=100\ngroup.id=ignored-here\n");
        var options = ConsumeCommand.BuildOptions(ArgumentParser.Parse(["--consumer.config", _file], new ConsumeCommand().Options, 0), default);
        Assert.Equal(("file:3", TimeSpan.FromMilliseconds(100)), (options.BootstrapServers, options.FetchMaxWait));

        Assert.Throws<UsageException>(() => ConsumeCommand.BuildOptions(
            ArgumentParser.Parse(["--command-config", _file + ".missing"], new ConsumeCommand().Options, 0), default));
    }
}
