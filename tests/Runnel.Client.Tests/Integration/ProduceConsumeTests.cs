using System.Text;
using Runnel.Client.Admin;
using Runnel.Client.Consumer;
using Runnel.Client.Producer;
using Runnel.Client.Tests.Support;
using Runnel.Protocol;
using Runnel.Protocol.Compression;

namespace Runnel.Client.Tests.Integration;

/// <summary>The producer and consumer against an in-process broker.</summary>
public sealed class ProduceConsumeTests : IAsyncLifetime
{
    private TestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private async Task CreateTopicAsync(string name, int partitions)
    {
        await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = _broker.BootstrapServers });
        await admin.CreateTopicsAsync([new NewTopic(name, partitions)]);
    }

    private RunnelProducer Producer(Action<ProducerOptions>? configure = null)
    {
        var options = new ProducerOptions { BootstrapServers = _broker.BootstrapServers, Linger = TimeSpan.FromMilliseconds(20) };
        configure?.Invoke(options);
        return new RunnelProducer(options);
    }

    private RunnelConsumer Consumer() => new(new ConsumerOptions { BootstrapServers = _broker.BootstrapServers, FetchMaxWait = TimeSpan.FromMilliseconds(100) });

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Polls until <paramref name="count"/> records arrived (bounded by the test timeout).</summary>
    private static async Task<List<ConsumeResult>> ReadAsync(RunnelConsumer consumer, int count)
    {
        var records = new List<ConsumeResult>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (records.Count < count)
            records.AddRange(await consumer.PollAsync(TimeSpan.FromMilliseconds(500), timeout.Token));
        return records;
    }

    [Fact]
    public async Task Keyed_records_land_where_java_would_put_them_and_read_back_in_order()
    {
        await CreateTopicAsync("keyed", 3);
        List<DeliveryResult> deliveries;
        await using (var producer = Producer())
        {
            var pending = Enumerable.Range(0, 300).Select(i => producer.ProduceAsync(new ProducerRecord("keyed", Utf8($"key-{i % 10}"), Utf8($"value-{i}"))
            {
                Headers = [new MessageHeader("i", Utf8(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))],
            })).ToList();
            deliveries = [.. await Task.WhenAll(pending)];
        }

        for (var i = 0; i < 300; i++)
            Assert.Equal(KafkaPartitioner.PartitionForKey(Utf8($"key-{i % 10}"), 3), deliveries[i].Partition);
        foreach (var partition in deliveries.GroupBy(d => d.Partition))
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(o => (long)o), partition.Select(d => d.Offset));

        await using var consumer = Consumer();
        await consumer.AssignAllPartitionsAsync("keyed");
        await consumer.SeekToBeginningAsync();
        var records = await ReadAsync(consumer, 300);
        foreach (var partition in records.GroupBy(r => r.Partition))
        {
            var indexes = partition.Select(r => int.Parse(Encoding.UTF8.GetString(r.Headers.Single().Value!), System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(indexes.Order(), indexes);
            Assert.All(partition, r => Assert.Equal($"value-{indexes[partition.ToList().IndexOf(r)]}", Encoding.UTF8.GetString(r.Value!)));
        }
        Assert.Equal(300, records.Select(r => (r.Partition, r.Offset)).Distinct().Count());
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task Every_codec_round_trips(CompressionType codec)
    {
        await CreateTopicAsync("codec", 1);
        await using (var producer = Producer(o => o.Compression = codec))
            await Task.WhenAll(Enumerable.Range(0, 50).Select(i => producer.ProduceAsync(new ProducerRecord("codec", Utf8(new string('z', 100) + i)))));

        await using var consumer = Consumer();
        consumer.Assign([new("codec", 0)]);
        consumer.Seek(new("codec", 0), 0);
        var records = await ReadAsync(consumer, 50);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => new string('z', 100) + i), records.Select(r => Encoding.UTF8.GetString(r.Value!)));
    }

    [Fact]
    public async Task Null_keys_and_values_explicit_partitions_and_acks_zero()
    {
        await CreateTopicAsync("nulls", 2);
        await using (var producer = Producer(o => o.Acks = Acks.None))
        {
            var delivery = await producer.ProduceAsync(new ProducerRecord("nulls", null, null) { Partition = 1 });
            Assert.Equal(-1, delivery.Offset);
            Assert.Equal(1, delivery.Partition);
        }
        await using var consumer = Consumer();
        consumer.Assign([new("nulls", 1)]);
        await consumer.SeekToBeginningAsync();
        var record = Assert.Single(await ReadAsync(consumer, 1));
        Assert.Null(record.Key);
        Assert.Null(record.Value);
        Assert.Equal(0, record.Offset);
    }

    [Fact]
    public async Task Seeking_by_timestamp_offset_and_end()
    {
        await CreateTopicAsync("times", 1);
        await using (var producer = Producer())
        {
            foreach (var time in new long[] { 1_000, 2_000, 3_000 })
                await producer.ProduceAsync(new ProducerRecord("times", Utf8($"t{time}")) { Timestamp = time });
        }
        var partition = new TopicPartition("times", 0);
        await using var consumer = Consumer();
        consumer.Assign([partition]);

        await consumer.SeekToTimestampAsync(1_500);
        Assert.Equal(1, consumer.Position(partition));
        Assert.Equal(["t2000", "t3000"], (await ReadAsync(consumer, 2)).Select(r => Encoding.UTF8.GetString(r.Value!)));

        consumer.Seek(partition, 2);
        var last = Assert.Single(await ReadAsync(consumer, 1));
        Assert.Equal(3_000, last.Timestamp);

        await consumer.SeekToTimestampAsync(9_000); // nothing that late: the end
        Assert.Equal(3, consumer.Position(partition));
        await consumer.SeekToBeginningAsync();
        Assert.Equal(0, consumer.Position(partition));
        Assert.Equal(3, (await consumer.EndOffsetsAsync())[partition]);
    }

    [Fact]
    public async Task A_missing_topic_fails_the_record_when_auto_creation_is_off()
    {
        await using var producer = Producer(o =>
        {
            o.AllowAutoTopicCreation = false;
            o.RequestTimeout = TimeSpan.FromSeconds(2);
        });
        var error = await Assert.ThrowsAsync<RunnelException>(() => producer.ProduceAsync(new ProducerRecord("absent", Utf8("x"))));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, error.ErrorCode);
    }

    [Fact]
    public async Task A_poll_with_nothing_new_returns_empty_after_the_wait()
    {
        await CreateTopicAsync("quiet", 1);
        await using var consumer = Consumer();
        await consumer.AssignAllPartitionsAsync("quiet");
        Assert.Empty(await consumer.PollAsync(TimeSpan.FromMilliseconds(50)));
        Assert.Equal(0, consumer.Position(new("quiet", 0)));
        Assert.Equal(0, consumer.HighWatermark(new("quiet", 0)));
    }

    [Fact]
    public async Task A_group_consumer_reads_every_partition_commits_and_a_later_member_resumes_after_the_commit()
    {
        await CreateTopicAsync("grouped", 3);
        await using (var producer = Producer())
            await Task.WhenAll(Enumerable.Range(0, 60).Select(i => producer.ProduceAsync(new ProducerRecord("grouped", Utf8($"k{i}"), Utf8($"v{i}")))));
        ConsumerOptions Options() => new()
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = "readers",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            FetchMaxWait = TimeSpan.FromMilliseconds(100),
        };
        await using (var first = new RunnelConsumer(Options()))
        {
            first.Subscribe(["grouped"]);
            var records = await ReadAsync(first, 40);
            Assert.Equal(3, first.Assignment.Count);
            Assert.True(first.GenerationId >= 1);
            await first.CommitAsync();
            Assert.Throws<InvalidOperationException>(() => Consumer().Subscribe(["grouped"]));
            Assert.True(records.Count >= 40);
        }
        await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = _broker.BootstrapServers });
        var committed = await admin.ListGroupOffsetsAsync("readers");
        await using var second = new RunnelConsumer(Options());
        second.Subscribe(["grouped"]);
        var rest = await ReadAsync(second, 60 - (int)committed.Values.Sum());
        Assert.All(rest, r => Assert.True(r.Offset >= committed[new TopicPartition("grouped", r.Partition)]));
        Assert.Contains(await admin.ListGroupsAsync(), g => g.GroupId == "readers" && g.ProtocolType == "consumer");
    }
}
