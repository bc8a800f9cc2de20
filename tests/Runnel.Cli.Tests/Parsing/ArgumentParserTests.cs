using Runnel.Cli.Parsing;

namespace Runnel.Cli.Tests.Parsing;

public class ArgumentParserTests
{
    private static readonly OptionSpec[] Options =
    [
        OptionSpec.Value("bootstrap-server", "host:port", "", "bootstrap-servers", "broker-list", "b"),
        OptionSpec.Value("topic", "name", "", "t"),
        OptionSpec.Many("property", "k=v", ""),
        OptionSpec.Flag("from-beginning", ""),
        OptionSpec.Value("acks", "n", ""),
    ];

    private static ParsedArguments Parse(params string[] args) => ArgumentParser.Parse(args, Options, maxPositionals: 2);

    [Fact]
    public void Kafka_spellings_with_separate_and_inline_values()
    {
        var args = Parse("--bootstrap-server", "h:1", "--topic=orders", "--from-beginning", "--property", "print.key=true", "--property", "key.separator=:");
        Assert.Equal("h:1", args.Get("bootstrap-server"));
        Assert.Equal("orders", args.Get("topic"));
        Assert.True(args.Has("from-beginning"));
        Assert.Equal(new Dictionary<string, string> { ["print.key"] = "true", ["key.separator"] = ":" }, args.GetPairs("property"));
    }

    [Theory]
    [InlineData("--bootstrap-servers")]
    [InlineData("--broker-list")]
    [InlineData("-b")]
    public void Aliases_land_on_the_canonical_name(string spelling)
        => Assert.Equal("h:2", Parse(spelling, "h:2").Get("bootstrap-server"));

    [Fact]
    public void Positionals_mix_with_options_and_double_dash_ends_options()
    {
        var args = Parse("create", "-t", "x", "--", "--not-an-option");
        Assert.Equal(["create", "--not-an-option"], args.Positionals);
    }

    [Fact]
    public void A_negative_number_is_a_value_not_an_option()
    {
        Assert.Equal("-1", Parse("--acks", "-1").Get("acks"));
        Assert.Equal(["-5"], Parse("-5").Positionals);
    }

    [Theory]
    [InlineData("Unknown option '--nope'.", "--nope")]
    [InlineData("Unknown option '--nope'.", "--nope=1")]
    [InlineData("--topic needs a value (name).", "--topic")]
    [InlineData("--from-beginning takes no value.", "--from-beginning=yes")]
    [InlineData("--topic was given twice with different values.", "-t", "a", "--topic", "b")]
    [InlineData("Unexpected argument 'c'.", "a", "b", "c")]
    public void Mistakes_are_named(string message, params string[] args)
        => Assert.Equal(message, Assert.Throws<UsageException>(() => Parse(args)).Message);

    [Fact]
    public void Pairs_must_be_key_equals_value_and_comma_lists_are_opt_in()
    {
        Assert.Throws<UsageException>(() => Parse("--property", "novalue").GetPairs("property"));
        var args = Parse("--property", "a=1,b=2");
        Assert.Equal("1,b=2", args.GetPairs("property")["a"]);
        Assert.Equal("2", args.GetPairs("property", allowCommaLists: true)["b"]);
    }

    [Fact]
    public void Numbers_are_checked()
    {
        Assert.Equal(-3, Parse("--acks", "-3").GetInt("acks"));
        Assert.Equal("--acks expects a whole number, not 'all'.", Assert.Throws<UsageException>(() => Parse("--acks", "all").GetInt("acks")).Message);
    }
}
