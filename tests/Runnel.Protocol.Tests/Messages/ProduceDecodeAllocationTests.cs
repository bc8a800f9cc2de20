using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Protocol.Tests.Messages;

/// <summary>Decoding a Produce request keeps the records as a slice: allocation does not grow with the record count.</summary>
public sealed class ProduceDecodeAllocationTests
{
    [Fact]
    public void Allocation_is_the_same_for_ten_and_ten_thousand_records()
    {
        var small = Frame(10);
        var large = Frame(10_000);
        Decode(small);
        Decode(large);
        var smallBytes = Measure(small);
        var largeBytes = Measure(large);
        Assert.True(largeBytes <= smallBytes + 64, $"10 records: {smallBytes} B, 10,000 records: {largeBytes} B");
    }

    private static long Measure(byte[] frame)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        Decode(frame);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static int Decode(byte[] frame)
    {
        var reader = new KafkaReader(frame);
        var header = Framing.ReadRequestHeader(ref reader, frame);
        var request = new ProduceRequest();
        request.Read(ref reader, header.RequestApiVersion);
        Assert.False(reader.Failed, reader.Failure);
        return request.TopicData[0].PartitionData[0].Records!.Value.Length;
    }

    private static byte[] Frame(int records)
    {
        using var batchWriter = new KafkaWriter();
        using var builder = new RecordBatchBuilder();
        builder.Begin(batchWriter, new RecordBatchSettings());
        for (var i = 0; i < records; i++)
            builder.Append(1_700_000_000_000 + i, RecordBytes.Null, new byte[90]);
        builder.Finish();
        var request = new ProduceRequest
        {
            Acks = 1,
            TopicData = [new() { Name = "t", PartitionData = [new() { Index = 0, Records = batchWriter.WrittenSpan.ToArray() }] }],
        };
        using var writer = new KafkaWriter();
        Framing.WriteRequest(writer, new RequestHeader { RequestApiKey = (short)ApiKey.Produce, RequestApiVersion = 9, CorrelationId = 1, ClientId = "c" }, request);
        return writer.WrittenSpan[4..].ToArray();
    }
}
