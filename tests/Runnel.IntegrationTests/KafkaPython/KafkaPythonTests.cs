using System.Globalization;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.KafkaPython;

/// <summary>kafka-python 2.0.2 (Debian's python3-kafka, run with Debian's python3): the classic scripts.</summary>
public sealed class KafkaPythonTests
{
    [Fact]
    public async Task Admin_client_creates_lists_describes_and_deletes_a_topic()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var result = await Python.RunAsync("admin_topics.py", broker.Bootstrap, "py-admin");
        Assert.Equal(["created py-admin", "listed True", "partitions 4", "duplicate-refused TopicAlreadyExistsError", "listed-after-delete False"], result.Lines);
    }

    [Fact]
    public async Task Producer_sends_a_file_and_consumer_reads_it_from_the_beginning_with_keys_on_one_partition()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "3" });
        var file = Path.Combine(broker.DataDir, "lines.txt");
        var lines = Enumerable.Range(0, 600).Select(i => $"user-{i % 13}:event {i}").ToList();
        await File.WriteAllLinesAsync(file, lines);

        var produced = await Python.RunAsync("produce_file.py", broker.Bootstrap, "py-lines", file);
        var partitionsByKey = produced.Lines.Select(l => l.Split(' ')).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Select(p => p[1]).Distinct().ToList());
        Assert.Equal(13, partitionsByKey.Count);
        Assert.All(partitionsByKey.Values, partitions => Assert.Single(partitions));

        var consumed = await Python.RunAsync("consume_earliest.py", broker.Bootstrap, "py-lines", "600");
        var rows = consumed.Lines.Select(l => l.Split(' ', 4)).ToList();
        Assert.Equal(lines.Order(), rows.Select(r => $"{r[2]}:{r[3]}").Order());
        foreach (var partition in rows.GroupBy(r => r[0]))
        {
            var numbers = partition.Select(r => int.Parse(r[3].Split(' ')[1], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(numbers.Order(), numbers);
        }
        // The Java murmur2 partitioner: each key's partition as the Java client and KafkaJS compute it.
        Assert.All(rows, r => Assert.Equal(partitionsByKey[r[2]][0], r[0]));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    public async Task Compressed_batches_from_kafka_python_read_back(string codec)
    {
        await using var broker = await BrokerFixture.StartAsync();
        var file = Path.Combine(broker.DataDir, "lines.txt");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 300).Select(i => $"k{i % 5}:{codec} value {i}"));
        await Python.RunAsync("produce_file.py", broker.Bootstrap, $"py-{codec}", file, codec);
        var consumed = await Python.RunAsync("consume_earliest.py", broker.Bootstrap, $"py-{codec}", "300");
        Assert.Equal(300, consumed.Lines.Length);
        Assert.Equal(Enumerable.Range(0, 300), consumed.Lines.Select(l => int.Parse(l.Split(' ')[^1], CultureInfo.InvariantCulture)).Order());
    }

    /// <summary>
    /// kafka-python 2.0.2 produces zstd (Produce v7) but always fetches with v4, and Kafka refuses zstd batches to
    /// fetches below v10, as the broker does here; so its zstd records are read back with kcat.
    /// </summary>
    [Fact]
    public async Task Zstd_batches_from_kafka_python_read_back_with_a_v10_plus_fetch()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var file = Path.Combine(broker.DataDir, "lines.txt");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 300).Select(i => $"k{i % 5}:zstd value {i}"));
        await Python.RunAsync("produce_file.py", broker.Bootstrap, "py-zstd", file, "zstd");
        var consumed = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", "py-zstd", "-C", "-e", "-o", "beginning", "-f", "%s\n"]);
        Assert.Equal(Enumerable.Range(0, 300), consumed.Lines.Select(l => int.Parse(l.Split(' ')[^1], CultureInfo.InvariantCulture)).Order());
    }
}

/// <summary>Runs a script under Debian's /usr/bin/python3, which sees the python3-kafka package.</summary>
internal static class Python
{
    public static async Task<ProcessResult> RunAsync(string script, params string[] args)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Scripts", "python", script);
        var result = await ExternalProcess.RunAsync("/usr/bin/python3", [path, .. args], timeout: TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 0, ExternalProcess.Describe(result));
        return result;
    }
}
