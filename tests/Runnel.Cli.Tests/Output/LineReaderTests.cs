using System.Text;
using Runnel.Cli.Output;
using Runnel.Client;

namespace Runnel.Cli.Tests.Output;

public class LineReaderTests
{
    private static string? Text(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);

    private static LineReader Reader(params (string Key, string Value)[] properties)
        => LineReader.FromProperties(properties.ToDictionary(p => p.Key, p => p.Value), []);

    [Fact]
    public void Without_parse_key_the_whole_line_is_the_value()
    {
        var line = Reader().Parse("a:b", 1);
        Assert.Null(line.Key);
        Assert.Equal("a:b", Text(line.Value));
        Assert.Empty(line.Headers);
    }

    [Fact]
    public void Parse_key_splits_at_the_first_separator()
    {
        var line = Reader(("parse.key", "true"), ("key.separator", ":")).Parse("user-1:{\"a\":1}", 1);
        Assert.Equal("user-1", Text(line.Key));
        Assert.Equal("{\"a\":1}", Text(line.Value));
        Assert.Equal("tab", Text(Reader(("parse.key", "true")).Parse("tab\tvalue", 1).Key));
    }

    [Fact]
    public void A_missing_separator_is_an_error_unless_ignored()
    {
        Assert.Equal("No key separator found on line 7.",
            Assert.Throws<FormatException>(() => Reader(("parse.key", "true"), ("key.separator", ":")).Parse("plain", 7)).Message);
        var line = Reader(("parse.key", "true"), ("key.separator", ":"), ("ignore.error", "true")).Parse("plain", 7);
        Assert.Null(line.Key);
        Assert.Equal("plain", Text(line.Value));
    }

    [Fact]
    public void Headers_come_before_the_headers_delimiter()
    {
        var line = Reader(("parse.headers", "true"), ("parse.key", "true")).Parse("h1:v1,h2:v2\tkey\tvalue", 1);
        Assert.Equal([("h1", "v1"), ("h2", "v2")], line.Headers.Select(h => (h.Key, Text(h.Value))));
        Assert.Equal("key", Text(line.Key));
        Assert.Equal("value", Text(line.Value));
    }

    [Fact]
    public void The_null_marker_makes_keys_values_and_header_values_null()
    {
        var reader = Reader(("parse.key", "true"), ("key.separator", ":"), ("null.marker", "<null>"), ("parse.headers", "true"), ("headers.delimiter", "|"));
        var line = reader.Parse("h:<null>|<null>:<null>", 1);
        Assert.Null(line.Key);
        Assert.Null(line.Value);
        Assert.Null(line.Headers[0].Value);
    }

    [Fact]
    public void Extra_headers_follow_parsed_ones()
    {
        var reader = LineReader.FromProperties(new Dictionary<string, string>(), [new MessageHeader("source", Encoding.UTF8.GetBytes("cli"))]);
        Assert.Equal("source", Assert.Single(reader.Parse("v", 1).Headers).Key);
    }
}
