using System.Globalization;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.KafkaJs;

/// <summary>KafkaJS 2.2.4 from npm: admin and a keyed gzip producer (its consumer needs a group; see the group tests).</summary>
public sealed class KafkaJsTests
{
    [Fact]
    public async Task Admin_creates_and_describes_a_topic_and_the_producer_sends_keyed_gzip_messages()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var result = await Node.RunAsync("admin_and_produce.js", broker.Bootstrap, "kafkajs-topic", "500");
        Assert.Equal("created true", result.Lines[0]);
        Assert.Equal("partitions 3 leaders 1,1,1", result.Lines[1]);
        var results = result.Lines.Skip(2).Select(l => l.Split(' ')).ToList();
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.Equal("0", r[2]));

        var consumed = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", "kafkajs-topic", "-C", "-e", "-o", "beginning", "-f", "%p %k %s %h\\n"]);
        var rows = consumed.Lines.Select(l => l.Split(' ')).ToList();
        Assert.Equal(500, rows.Count);
        Assert.Equal(Enumerable.Range(0, 500), rows.Select(r => int.Parse(r[2]["value-".Length..], CultureInfo.InvariantCulture)).Order());
        Assert.All(rows, r => Assert.Equal("source=kafkajs", r[3]));
        // KafkaJS's default partitioner is Java's murmur2: one partition per key.
        Assert.All(rows.GroupBy(r => r[1]), key => Assert.Single(key.Select(r => r[0]).Distinct()));
    }
}
