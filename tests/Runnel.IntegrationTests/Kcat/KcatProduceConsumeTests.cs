using System.Globalization;
using System.Text;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Kcat;

/// <summary>kcat (librdkafka 2.0.2) produces 100k records with each codec to 3 partitions and reads them all back.</summary>
public sealed class KcatProduceConsumeTests
{
    private const int Count = 100_000;

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Records_come_back_complete_and_in_partition_order(string codec)
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "3" });
        var topic = $"kcat-{codec}";
        var input = new StringBuilder();
        for (var i = 0; i < Count; i++)
            input.Append("key-").Append(i % 97).Append(':').Append(i).Append('\n');

        var produce = await ExternalProcess.RunAsync("kcat",
            ["-b", broker.Bootstrap, "-t", topic, "-P", "-K:", "-z", codec, "-X", "linger.ms=5", "-X", "acks=all"], input.ToString(), TimeSpan.FromSeconds(120));
        Assert.True(produce.ExitCode == 0, ExternalProcess.Describe(produce));

        var consume = await ExternalProcess.RunAsync("kcat",
            ["-b", broker.Bootstrap, "-t", topic, "-C", "-e", "-o", "beginning", "-f", "%p %o %k %s\\n"], timeout: TimeSpan.FromSeconds(120));
        Assert.True(consume.ExitCode == 0, ExternalProcess.Describe(consume));

        var rows = consume.Lines.Select(line => line.Split(' ')).ToList();
        Assert.Equal(Count, rows.Count);
        Assert.Equal(Enumerable.Range(0, Count), rows.Select(r => int.Parse(r[3], CultureInfo.InvariantCulture)).Order());
        foreach (var partition in rows.GroupBy(r => r[0]))
        {
            var values = partition.Select(r => int.Parse(r[3], CultureInfo.InvariantCulture)).ToList();
            var offsets = partition.Select(r => long.Parse(r[1], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(values.Order(), values);
            Assert.Equal(Enumerable.Range(0, offsets.Count).Select(i => (long)i), offsets);
        }
        // librdkafka's default partitioner keeps a key on one partition.
        Assert.All(rows.GroupBy(r => r[2]), key => Assert.Single(key.Select(r => r[0]).Distinct()));
        Assert.Equal(3, rows.Select(r => r[0]).Distinct().Count());
    }
}
