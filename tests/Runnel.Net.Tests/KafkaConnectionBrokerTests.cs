using System.Text;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Net.Tests;

/// <summary>The happy path against a real Runnel broker: negotiation, pipelining, produce and fetch.</summary>
public sealed class KafkaConnectionBrokerTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    private Task<KafkaConnection> ConnectAsync() => KafkaConnection.ConnectAsync(broker.Host, broker.Port, new KafkaConnectionOptions { ClientId = "net-tests" });

    [Fact]
    public async Task Negotiates_versions_with_the_broker_and_reads_its_metadata()
    {
        await using var connection = await ConnectAsync();

        Assert.Equal(4, connection.Versions.Negotiate(ApiKey.ApiVersions));
        Assert.Equal(ApiCatalog.Get(ApiKey.Metadata).HighestVersion, connection.Versions.Negotiate(ApiKey.Metadata));
        var metadata = await connection.SendAsync<MetadataResponse>(ApiKey.Metadata, new MetadataRequest { Topics = [] }).WaitAsync(Bounded);
        var self = Assert.Single(metadata.Brokers);
        Assert.Equal(broker.Port, self.Port);
    }

    [Fact]
    public async Task Pipelined_requests_each_get_the_answer_to_their_own_question()
    {
        await using var connection = await ConnectAsync();

        var names = Enumerable.Range(0, 30).Select(i => $"missing-{i}").ToList();
        var replies = await Task.WhenAll(names.Select(name => connection.SendAsync<MetadataResponse>(ApiKey.Metadata,
            new MetadataRequest { Topics = [new() { Name = name }], AllowAutoTopicCreation = false }))).WaitAsync(Bounded);

        Assert.Equal(names, replies.Select(r => Assert.Single(r.Topics).Name));
        Assert.All(replies, r => Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, r.Topics[0].ErrorCode));
    }

    [Fact]
    public async Task Fetched_records_stay_valid_after_later_replies_arrive()
    {
        await using var connection = await ConnectAsync();
        await CreateTopicAsync(connection, "frames");
        await ProduceAsync(connection, "frames", "first-record", acks: 1);
        await ProduceAsync(connection, "frames", "second-record", acks: 1);

        var first = await FetchAsync(connection, "frames", offset: 0);
        var second = await FetchAsync(connection, "frames", offset: 1);

        // Records are slices of their reply's own frame, so a later reply cannot overwrite them.
        Assert.Contains("first-record", Text(first), StringComparison.Ordinal);
        Assert.Contains("second-record", Text(second), StringComparison.Ordinal);
        Assert.DoesNotContain("first-record", Text(second), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_produce_without_acks_is_appended_before_the_next_request_is_read()
    {
        await using var connection = await ConnectAsync();
        await CreateTopicAsync(connection, "no-acks");

        await ProduceAsync(connection, "no-acks", "fire-and-forget", acks: 0);
        var fetched = await FetchAsync(connection, "no-acks", offset: 0);

        Assert.Contains("fire-and-forget", Text(fetched), StringComparison.Ordinal);
    }

    private static async Task CreateTopicAsync(KafkaConnection connection, string name)
    {
        var request = new CreateTopicsRequest { Topics = [new() { Name = name, NumPartitions = 1, ReplicationFactor = 1 }] };
        var response = await connection.SendAsync<CreateTopicsResponse>(ApiKey.CreateTopics, request).WaitAsync(Bounded);
        Assert.Equal(0, Assert.Single(response.Topics).ErrorCode);
    }

    private static async Task ProduceAsync(KafkaConnection connection, string topic, string value, short acks)
    {
        var request = new ProduceRequest
        {
            Acks = acks,
            TimeoutMs = 10_000,
            TopicData = [new() { Name = topic, PartitionData = [new() { Index = 0, Records = Batch(value) }] }],
        };
        if (acks == 0)
        {
            await connection.SendWithoutReplyAsync(ApiKey.Produce, request).WaitAsync(Bounded);
            return;
        }
        var response = await connection.SendAsync<ProduceResponse>(ApiKey.Produce, request).WaitAsync(Bounded);
        Assert.Equal(0, response.Responses[0].PartitionResponses[0].ErrorCode);
    }

    private static async Task<ReadOnlyMemory<byte>> FetchAsync(KafkaConnection connection, string topic, long offset)
    {
        var request = new FetchRequest
        {
            MaxWaitMs = 0,
            Topics = [new() { Topic = topic, Partitions = [new() { Partition = 0, FetchOffset = offset, PartitionMaxBytes = 1 << 20 }] }],
        };
        var response = await connection.SendAsync<FetchResponse>(ApiKey.Fetch, request, version: 12).WaitAsync(Bounded);
        var partition = response.Responses[0].Partitions[0];
        Assert.Equal(0, partition.ErrorCode);
        return partition.Records ?? ReadOnlyMemory<byte>.Empty;
    }

    private static byte[] Batch(string value)
    {
        using var writer = new KafkaWriter();
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, new RecordBatchSettings());
        builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RecordBytes.Null, new RecordBytes(Encoding.UTF8.GetBytes(value)));
        builder.Finish();
        return writer.WrittenSpan.ToArray();
    }

    private static string Text(ReadOnlyMemory<byte> records) => Encoding.UTF8.GetString(records.Span);
}
