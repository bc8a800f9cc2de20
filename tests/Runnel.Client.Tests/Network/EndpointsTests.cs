using Runnel.Client.Network;

namespace Runnel.Client.Tests.Network;

public class EndpointsTests
{
    [Theory]
    [InlineData("localhost:9092", "localhost", 9092)]
    [InlineData("broker", "broker", 9092)]
    [InlineData("[::1]:19092", "::1", 19092)]
    [InlineData("[::1]", "::1", 9092)]
    [InlineData("PLAINTEXT://127.0.0.1:1234", "127.0.0.1", 1234)]
    public void Parses_kafka_style_endpoints(string text, string host, int port)
        => Assert.Equal((host, port), Endpoints.Parse(text));

    [Theory]
    [InlineData("host:")]
    [InlineData("host:70000")]
    [InlineData(":9092")]
    [InlineData("::1:9092")]
    [InlineData("[::1")]
    public void Rejects_malformed_endpoints(string text) => Assert.Throws<ArgumentException>(() => Endpoints.Parse(text));

    [Fact]
    public void Lists_split_on_commas_and_ignore_blanks()
        => Assert.Equal([("a", 1), ("b", 2)], Endpoints.ParseList(" a:1, ,b:2 "));

    [Fact]
    public void Ipv6_hosts_are_bracketed_when_formatted()
    {
        Assert.Equal("[::1]:9092", Endpoints.Format("::1", 9092));
        Assert.Equal("h:1", Endpoints.Format("h", 1));
    }
}
