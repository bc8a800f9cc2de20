using Runnel.IntegrationTests.BadInput;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Messages;
using Xunit.Abstractions;

namespace Runnel.IntegrationTests.Protocol;

/// <summary>KIP-227 fetch sessions on the wire: a consumer of 1,000 partitions sends and receives little once its session is open.</summary>
public sealed class FetchSessionTests(ITestOutputHelper output)
{
    private const int Partitions = 1000;

    [Fact]
    public async Task An_incremental_fetch_of_a_thousand_partitions_carries_only_what_changed()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 4, new MetadataRequest { Topics = [new() { Name = "wide" }], AllowAutoTopicCreation = true });

        var full = await FetchAsync(connection, sessionId: 0, epoch: 0, [.. Enumerable.Range(0, Partitions)]);
        var (fullRequest, fullResponse) = (connection.LastRequestBytes, connection.LastResponseBytes);
        Assert.Equal((short)ErrorCode.None, full.ErrorCode);
        Assert.NotEqual(0, full.SessionId);
        Assert.Equal(Partitions, full.Responses.Sum(t => t.Partitions.Count));

        // Nothing changed: the request lists no partition and the answer carries none.
        var quiet = await FetchAsync(connection, full.SessionId, 1, []);
        var (quietRequest, quietResponse) = (connection.LastRequestBytes, connection.LastResponseBytes);
        Assert.Equal(full.SessionId, quiet.SessionId);
        Assert.Empty(quiet.Responses);

        // One partition gets records: it alone is answered, with them.
        await ProduceAsync(connection, "wide", 7);
        var news = await FetchAsync(connection, full.SessionId, 2, []);
        var only = Assert.Single(Assert.Single(news.Responses).Partitions);
        Assert.Equal(7, only.PartitionIndex);
        Assert.Equal(3, only.HighWatermark);
        Assert.True(only.Records!.Value.Length > 0);

        // The consumer moves partition 7's offset on and forgets partition 0; a retried epoch is refused.
        var moved = await FetchAsync(connection, full.SessionId, 3, [7], offset: 3, forget: [0]);
        Assert.Empty(moved.Responses);
        var retried = await FetchAsync(connection, full.SessionId, 3, []);
        Assert.Equal((short)ErrorCode.InvalidFetchSessionEpoch, retried.ErrorCode);
        Assert.Empty(retried.Responses);
        // Epoch -1 closes the session: a sessionless full fetch, answered with SessionId 0.
        var final = await FetchAsync(connection, full.SessionId, -1, [0]);
        Assert.Equal(0, final.SessionId);
        Assert.Equal((short)ErrorCode.FetchSessionIdNotFound, (await FetchAsync(connection, full.SessionId, 4, [])).ErrorCode);

        output.WriteLine($"{Partitions} partitions: full fetch {fullRequest} B request / {fullResponse} B response; incremental with no news {quietRequest} B / {quietResponse} B");
        Assert.True(quietRequest * 100 < fullRequest, $"incremental request {quietRequest} B vs full {fullRequest} B");
        Assert.True(quietResponse * 100 < fullResponse, $"incremental response {quietResponse} B vs full {fullResponse} B");
    }

    [Fact]
    public async Task A_partition_answered_with_an_error_still_has_an_empty_record_set()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await BadBatchTests.ProduceAsync(connection, "small", BadBatchTests.Batch(CompressionType.None, 1));
        var answer = await FetchAsync(connection, 0, -1, [0, 42], topic: "small");
        var missing = answer.Responses.Single().Partitions.Single(p => p.PartitionIndex == 42);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, missing.ErrorCode);
        Assert.NotNull(missing.Records);
        Assert.Equal(0, missing.Records.Value.Length);
        var unknown = await FetchAsync(connection, 0, -1, [0], topic: "never-made");
        Assert.NotNull(Assert.Single(unknown.Responses.Single().Partitions).Records);

        // read_committed: a healthy partition lists its aborted transactions (none), an errored one has none at all (null), as Kafka writes them.
        var committed = await FetchAsync(connection, 0, -1, [0, 42], topic: "small", isolation: 1);
        var partitions = committed.Responses.Single().Partitions;
        var healthy = partitions.Single(p => p.PartitionIndex == 0).AbortedTransactions;
        Assert.NotNull(healthy);
        Assert.Empty(healthy);
        Assert.Null(partitions.Single(p => p.PartitionIndex == 42).AbortedTransactions);
    }

    private static Task<FetchResponse> FetchAsync(RawKafkaConnection connection, int sessionId, int epoch, int[] partitions, long offset = 0,
        int[]? forget = null, string topic = "wide", sbyte isolation = 0)
        => connection.RequestAsync<FetchResponse>(ApiKey.Fetch, 12, new FetchRequest
        {
            ReplicaId = -1,
            IsolationLevel = isolation,
            MaxWaitMs = 0,
            MaxBytes = 50 << 20,
            SessionId = sessionId,
            SessionEpoch = epoch,
            Topics = partitions.Length == 0 ? [] : [new() { Topic = topic, Partitions = [.. partitions.Select(p => new FetchRequest.FetchPartition { Partition = p, FetchOffset = offset, PartitionMaxBytes = 1 << 20 })] }],
            ForgottenTopicsData = forget is null ? [] : [new() { Topic = topic, Partitions = [.. forget] }],
        });

    private static async Task ProduceAsync(RawKafkaConnection connection, string topic, int partition)
    {
        var reply = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 8, new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 5000,
            TopicData = [new() { Name = topic, PartitionData = [new() { Index = partition, Records = BadBatchTests.Batch(CompressionType.None, 3) }] }],
        });
        Assert.Equal(0, reply.Responses[0].PartitionResponses[0].ErrorCode);
    }
}
