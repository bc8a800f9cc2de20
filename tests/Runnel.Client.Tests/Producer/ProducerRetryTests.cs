using System.Text;
using Runnel.Client.Producer;
using Runnel.Client.Tests.Support;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Client.Tests.Producer;

/// <summary>Retries against a scripted broker whose first Produce answer is NOT_LEADER_OR_FOLLOWER.</summary>
public class ProducerRetryTests
{
    [Fact]
    public async Task A_retried_batch_is_not_overtaken_by_the_next_batch_of_its_partition()
    {
        var stored = new List<string>();
        var produceCalls = 0;
        FakeBroker? fake = null;
        await using var broker = fake = new FakeBroker(request =>
        {
            switch ((ApiKey)request.Header.RequestApiKey)
            {
                case ApiKey.ApiVersions:
                    return FakeBroker.ApiVersions(request, ((short)ApiKey.ApiVersions, 0, 4), ((short)ApiKey.Metadata, 0, 12), ((short)ApiKey.Produce, 3, 11));
                case ApiKey.Metadata:
                    return FakeBroker.Reply(request, new MetadataResponse
                    {
                        Brokers = [new() { NodeId = 0, Host = "127.0.0.1", Port = fake!.Port }],
                        ControllerId = 0,
                        Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, LeaderId = 0, ReplicaNodes = [0], IsrNodes = [0] }] }],
                    });
                default:
                    var produce = new ProduceRequest();
                    var reader = new KafkaReader(request.Frame.AsMemory(request.BodyStart));
                    produce.Read(ref reader, request.Header.RequestApiVersion);
                    var batch = produce.TopicData[0].PartitionData[0].Records!.Value;
                    var values = new List<string>();
                    var records = RecordBatch.ReadRecords(batch.Span);
                    while (records.MoveNext())
                        values.Add(Encoding.UTF8.GetString(records.Current.Value));
                    // The first batch sent is refused once; everything else is stored.
                    var refuse = Interlocked.Increment(ref produceCalls) == 1;
                    var baseOffset = stored.Count;
                    if (!refuse)
                        stored.AddRange(values);
                    return FakeBroker.Reply(request, new ProduceResponse
                    {
                        Responses = [new() { Name = "t", PartitionResponses = [new()
                        {
                            Index = 0,
                            ErrorCode = (short)(refuse ? ErrorCode.NotLeaderOrFollower : ErrorCode.None),
                            BaseOffset = refuse ? -1 : baseOffset,
                        }] }],
                    });
            }
        });

        await using var producer = new RunnelProducer(new ProducerOptions
        {
            BootstrapServers = $"127.0.0.1:{broker.Port}",
            BatchSize = 1, // one record per batch, so the two records are two batches of one partition
            Linger = TimeSpan.FromSeconds(30),
            RetryBackoff = TimeSpan.FromMilliseconds(1),
        });
        var first = producer.ProduceAsync(new ProducerRecord("t", Encoding.UTF8.GetBytes("first")));
        var second = producer.ProduceAsync(new ProducerRecord("t", Encoding.UTF8.GetBytes("second")));
        await producer.FlushAsync();

        Assert.Equal(["first", "second"], stored);
        Assert.Equal((0L, 1L), ((await first).Offset, (await second).Offset));
        Assert.Equal(3, produceCalls); // first refused, first again, then second: never second before first
    }
}
