using BenchmarkDotNet.Attributes;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Benchmarks.Messages;

/// <summary>
/// Decoding a Produce request whose single batch holds 100 or 10,000 records: the records stay a slice of the frame,
/// so the Allocated column must not grow with the record count (only with topics and partitions).
/// </summary>
[MemoryDiagnoser]
public class ProduceDecodeBenchmarks
{
    private byte[] _frame = [];

    [Params(100, 10_000)]
    public int Records { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        using var batchWriter = new KafkaWriter();
        using var builder = new RecordBatchBuilder();
        builder.Begin(batchWriter, new RecordBatchSettings());
        var value = new byte[90];
        for (var i = 0; i < Records; i++)
            builder.Append(1_700_000_000_000 + i, RecordBytes.Null, value);
        builder.Finish();
        var request = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 30_000,
            TopicData = [new() { Name = "bench", PartitionData = [new() { Index = 0, Records = batchWriter.WrittenSpan.ToArray() }] }],
        };
        using var writer = new KafkaWriter();
        Framing.WriteRequest(writer, new RequestHeader { RequestApiKey = (short)ApiKey.Produce, RequestApiVersion = 9, CorrelationId = 1, ClientId = "bench" }, request);
        _frame = writer.WrittenSpan[4..].ToArray();
    }

    [Benchmark]
    public int DecodeProduceRequest()
    {
        var reader = new KafkaReader(_frame);
        var header = Framing.ReadRequestHeader(ref reader, _frame);
        var request = new ProduceRequest();
        request.Read(ref reader, header.RequestApiVersion);
        return request.TopicData[0].PartitionData[0].Records!.Value.Length;
    }
}
