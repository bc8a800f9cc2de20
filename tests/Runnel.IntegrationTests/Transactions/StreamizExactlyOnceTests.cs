using Confluent.Kafka;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Xunit;

namespace Runnel.IntegrationTests.Transactions;

/// <summary>
/// Streamiz.Kafka.Net, the .NET stream-processing library, with exactly_once_v2: a word count with a state store
/// (changelogged), a repartition and transactional output, killed (SIGKILL) mid-stream and started again, gives exactly
/// the counts an uninterrupted run gives, and each word's committed updates are 1, 2, 3, ... with nothing repeated.
/// </summary>
public sealed class StreamizExactlyOnceTests
{
    private static readonly string[] Vocabulary = [.. Enumerable.Range(0, 20).Select(i => $"w{i}")];

    [Fact]
    public async Task A_word_count_killed_mid_stream_and_restarted_counts_every_word_exactly_once()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync();
        await ConfluentTransactionTests.CreateTopicAsync(broker, "lines", partitions: 2);
        await ConfluentTransactionTests.CreateTopicAsync(broker, "counts", partitions: 2);
        var lines = Enumerable.Range(0, 600).Select(i => string.Join(' ', Enumerable.Range(0, 5).Select(j => Vocabulary[((i * 7) + (j * 3)) % Vocabulary.Length]))).ToList();
        var expected = lines.SelectMany(l => l.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap }).Build())
        {
            for (var i = 0; i < lines.Count; i++)
                producer.Produce("lines", new Message<string, string> { Key = $"line-{i}", Value = lines[i] });
            producer.Flush(TimeSpan.FromSeconds(30));
        }

        var stateDir = Directory.CreateTempSubdirectory("runnel-streamiz-").FullName;
        var updates = new Dictionary<string, List<long>>();
        // Streamiz's Int64SerDes writes the count as BitConverter does: little-endian.
        using var reader = new ConsumerBuilder<string, long>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = "counts-reader",
            IsolationLevel = IsolationLevel.ReadCommitted,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetValueDeserializer(new LittleEndianInt64()).Build();
        reader.Subscribe("counts");
        try
        {
            await using (var first = StartApp(broker, stateDir))
            {
                await first.WaitUntilAsync(l => l.Contains("running"), TimeSpan.FromSeconds(60), "the stream to run");
                ReadUntil(reader, updates, () => updates.Values.Sum(u => u.Count) >= 500, TimeSpan.FromSeconds(60), "a first part of the counts");
                first.Kill();
            }
            await using var second = StartApp(broker, stateDir);
            ReadUntil(reader, updates, () => expected.All(e => updates.TryGetValue(e.Key, out var u) && u[^1] == e.Value), TimeSpan.FromSeconds(120),
                "the final counts");
            await second.StopAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            Directory.Delete(stateDir, recursive: true);
        }

        foreach (var (word, count) in expected)
            Assert.Equal(Enumerable.Range(1, (int)count).Select(c => (long)c), updates[word]);
    }

    private static ClientProcess StartApp(BrokerFixture broker, string stateDir)
    {
        var app = Path.Combine(AppContext.BaseDirectory.Replace("Runnel.IntegrationTests", "Runnel.StreamsWordCount", StringComparison.Ordinal),
            "Runnel.StreamsWordCount.dll");
        Assert.True(File.Exists(app), $"build the word count first: {app}");
        return ClientProcess.Start("streamiz-word-count", "dotnet", [app, broker.Bootstrap, "lines", "counts", "word-count", stateDir]);
    }

    /// <summary>Reads committed count updates (word, count) until <paramref name="done"/> holds; fails after <paramref name="timeout"/>.</summary>
    private static void ReadUntil(IConsumer<string, long> reader, Dictionary<string, List<long>> updates, Func<bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; seen {string.Join(", ", updates.Select(u => $"{u.Key}={u.Value[^1]}"))}");
            if (reader.Consume(TimeSpan.FromSeconds(1)) is { Message: { } message })
                (updates.TryGetValue(message.Key, out var list) ? list : updates[message.Key] = []).Add(message.Value);
        }
    }

    private sealed class LittleEndianInt64 : IDeserializer<long>
    {
        public long Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
            => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(data);
    }
}
