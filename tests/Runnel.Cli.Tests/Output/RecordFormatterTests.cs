using System.Text;
using Runnel.Cli.Output;
using Runnel.Client;
using Runnel.Client.Consumer;
using Runnel.Protocol.Records;

namespace Runnel.Cli.Tests.Output;

public class RecordFormatterTests
{
    private static readonly ConsumeResult Record = new()
    {
        Topic = "orders",
        Partition = 2,
        Offset = 41,
        Timestamp = 1_700_000_000_123,
        Key = Encoding.UTF8.GetBytes("k1"),
        Value = Encoding.UTF8.GetBytes("hello"),
        Headers = [new MessageHeader("trace", Encoding.UTF8.GetBytes("abc")), new MessageHeader("flag", null)],
    };

    private static readonly ConsumeResult Bare = new() { Topic = "t", Partition = 0, Offset = 0, Timestamp = 5, TimestampType = TimestampType.LogAppendTime };

    [Theory]
    [InlineData("%k:%v", "k1:hello\n")]
    [InlineData("%t/%p@%o %T", "orders/2@41 1700000000123\n")]
    [InlineData("%s|%K|%S", "hello|2|5\n")]
    [InlineData("%h", "trace=abc,flag=null\n")]
    [InlineData("%v\\t100%%\\n", "hello\t100%\n")]
    [InlineData("[%v]\\n\\n", "[hello]\n\n")]
    public void Format_strings_pick_fields(string format, string expected)
        => Assert.Equal(expected, RecordFormatter.FromFormat(format).Format(Record));

    [Fact]
    public void Nulls_print_the_null_literal_and_lengths_print_minus_one()
    {
        Assert.Equal("null:null -1\n", RecordFormatter.FromFormat("%k:%v %K").Format(Bare));
        Assert.Equal("<none>\n", RecordFormatter.FromFormat("%k", "<none>").Format(Bare));
    }

    [Theory]
    [InlineData("%x")]
    [InlineData("value %")]
    public void Bad_formats_are_rejected(string format) => Assert.Throws<FormatException>(() => RecordFormatter.FromFormat(format));

    [Fact]
    public void Kafka_properties_default_to_the_value_alone()
        => Assert.Equal("hello\n", RecordFormatter.FromKafkaProperties(new Dictionary<string, string>()).Format(Record));

    [Fact]
    public void Kafka_properties_print_fields_in_the_console_consumers_order()
    {
        var properties = new Dictionary<string, string>
        {
            ["print.key"] = "true",
            ["print.timestamp"] = "true",
            ["print.partition"] = "true",
            ["print.offset"] = "true",
            ["print.headers"] = "true",
            ["key.separator"] = " | ",
        };
        Assert.Equal("CreateTime:1700000000123 | Partition:2 | Offset:41 | trace:abc,flag:null | k1 | hello\n",
            RecordFormatter.FromKafkaProperties(properties).Format(Record));
        Assert.Equal("LogAppendTime:5 | Partition:0 | Offset:0 | NO_HEADERS | null | null\n",
            RecordFormatter.FromKafkaProperties(properties).Format(Bare));
    }

    [Fact]
    public void Kafka_properties_can_hide_the_value_and_change_separators()
    {
        var properties = new Dictionary<string, string> { ["print.key"] = "true", ["print.value"] = "false", ["line.separator"] = ";" };
        Assert.Equal("k1;", RecordFormatter.FromKafkaProperties(properties).Format(Record));
        Assert.Throws<FormatException>(() => RecordFormatter.FromKafkaProperties(new Dictionary<string, string> { ["print.key"] = "yes" }));
    }
}
