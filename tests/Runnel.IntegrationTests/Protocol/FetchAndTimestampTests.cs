using System.Diagnostics;
using Runnel.IntegrationTests.BadInput;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Records;

namespace Runnel.IntegrationTests.Protocol;

/// <summary>Fetch limits and long poll, and LogAppendTime topics, checked on the wire.</summary>
public sealed class FetchAndTimestampTests
{
    [Fact]
    public async Task Fetch_honours_partition_and_response_byte_limits_but_always_returns_a_first_batch()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "3" });
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        for (var i = 0; i < 5; i++)
            Assert.Equal(0, (await BadBatchTests.ProduceAsync(connection, "limits", BadBatchTests.Batch(CompressionType.None, 20))).ErrorCode);
        var batchSize = BadBatchTests.Batch(CompressionType.None, 20).Length;

        // One byte per partition still returns the first whole batch (progress is always possible).
        var tiny = await FetchAsync(connection, "limits", [0], partitionMaxBytes: 1, maxBytes: 1);
        Assert.Equal(batchSize, tiny.Responses[0].Partitions[0].Records!.Value.Length);
        // Partition limit of two and a half batches: two whole batches.
        var two = await FetchAsync(connection, "limits", [0], partitionMaxBytes: batchSize * 5 / 2, maxBytes: int.MaxValue);
        Assert.Equal(2 * batchSize, two.Responses[0].Partitions[0].Records!.Value.Length);
        // Many partitions, the empty ones answered with their high watermark.
        var all = await FetchAsync(connection, "limits", [0, 1, 2], partitionMaxBytes: 1 << 20, maxBytes: int.MaxValue);
        Assert.Equal([5 * 20L, 0, 0], all.Responses[0].Partitions.Select(p => p.HighWatermark));
        Assert.Equal(5 * batchSize, all.Responses[0].Partitions[0].Records!.Value.Length);
    }

    [Fact]
    public async Task Fetch_waits_up_to_max_wait_for_min_bytes_and_wakes_on_an_append()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await using var producer = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await BadBatchTests.ProduceAsync(producer, "poll", BadBatchTests.Batch(CompressionType.None, 1));

        var timer = Stopwatch.StartNew();
        var empty = await FetchAsync(connection, "poll", [0], 1 << 20, int.MaxValue, offset: 1, minBytes: 1, maxWaitMs: 300);
        Assert.True(timer.ElapsedMilliseconds >= 250, $"returned after {timer.ElapsedMilliseconds} ms");
        Assert.Equal(0, empty.Responses[0].Partitions[0].Records!.Value.Length);

        timer.Restart();
        var waiting = FetchAsync(connection, "poll", [0], 1 << 20, int.MaxValue, offset: 1, minBytes: 1, maxWaitMs: 30_000);
        await BadBatchTests.ProduceAsync(producer, "poll", BadBatchTests.Batch(CompressionType.None, 3));
        var woken = await waiting.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(timer.ElapsedMilliseconds < 20_000);
        Assert.True(woken.Responses[0].Partitions[0].Records!.Value.Length > 0);
    }

    [Fact]
    public async Task Log_append_time_topic_stamps_the_broker_clock_and_reports_it()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["log.message.timestamp.type"] = "LogAppendTime" });
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var reply = await BadBatchTests.ProduceAsync(connection, "stamped", BadBatchTests.Batch(CompressionType.None, 3));
        Assert.InRange(reply.LogAppendTimeMs, before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        var consumed = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", "stamped", "-C", "-e", "-o", "beginning", "-f", "%T\\n"]);
        Assert.Equal(3, consumed.Lines.Length);
        Assert.All(consumed.Lines, t => Assert.Equal(reply.LogAppendTimeMs.ToString(System.Globalization.CultureInfo.InvariantCulture), t));

        var fetched = await FetchAsync(connection, "stamped", [0], 1 << 20, int.MaxValue);
        Assert.True(RecordBatchHeader.TryRead(fetched.Responses[0].Partitions[0].Records!.Value.Span, out var header));
        Assert.True(header.IsLogAppendTime);
        Assert.Equal(reply.LogAppendTimeMs, header.MaxTimestamp);
    }

    [Fact]
    public async Task A_leader_epoch_from_the_future_is_unknown_leader_epoch()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await BadBatchTests.ProduceAsync(connection, "epochs", BadBatchTests.Batch(CompressionType.None, 1));
        var fetch = await connection.RequestAsync<FetchResponse>(ApiKey.Fetch, 11, new FetchRequest
        {
            MaxBytes = 1 << 20,
            Topics = [new() { Topic = "epochs", Partitions = [new() { Partition = 0, CurrentLeaderEpoch = 1000, PartitionMaxBytes = 1 << 20 }] }],
        });
        Assert.Equal((short)ErrorCode.UnknownLeaderEpoch, fetch.Responses[0].Partitions[0].ErrorCode);
        var offsets = await connection.RequestAsync<ListOffsetsResponse>(ApiKey.ListOffsets, 4, new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new() { Name = "epochs", Partitions = [new() { PartitionIndex = 0, CurrentLeaderEpoch = 1000, Timestamp = -1 }] }],
        });
        Assert.Equal((short)ErrorCode.UnknownLeaderEpoch, offsets.Topics[0].Partitions[0].ErrorCode);
    }

    private static Task<FetchResponse> FetchAsync(RawKafkaConnection connection, string topic, int[] partitions, int partitionMaxBytes, int maxBytes,
        long offset = 0, int minBytes = 0, int maxWaitMs = 0)
        => connection.RequestAsync<FetchResponse>(ApiKey.Fetch, 11, new FetchRequest
        {
            MaxWaitMs = maxWaitMs,
            MinBytes = minBytes,
            MaxBytes = maxBytes,
            Topics = [new() { Topic = topic, Partitions = [.. partitions.Select(p => new FetchRequest.FetchPartition { Partition = p, FetchOffset = offset, PartitionMaxBytes = partitionMaxBytes })] }],
        });
}
