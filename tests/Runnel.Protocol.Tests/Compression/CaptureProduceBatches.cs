using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Protocol.Tests.Messages;

namespace Runnel.Protocol.Tests.Compression;

/// <summary>
/// The record batches of the captured Produce requests, decoded with the generated <see cref="ProduceRequest"/>
/// (the reason for a hand-written walker here went away when the generated decoders landed).
/// </summary>
internal static class CaptureProduceBatches
{
    private const short ProduceApiKey = 0;

    /// <summary>The captured Produce requests of the scenarios whose names start with <paramref name="scenarioPrefix"/>.</summary>
    public static IEnumerable<CaptureFrame> Requests(string scenarioPrefix = "") =>
        CaptureFixtures.All.Where(frame => frame.IsRequest && frame.ApiKey == ProduceApiKey
            && frame.Scenario.StartsWith(scenarioPrefix, StringComparison.Ordinal));

    /// <summary>Every record batch in every partition of the request, each as its exact bytes.</summary>
    public static List<ReadOnlyMemory<byte>> Read(CaptureFrame capture)
    {
        var frame = capture.Bytes;
        var reader = new KafkaReader(frame);
        var header = Framing.ReadRequestHeader(ref reader, frame);
        var request = new ProduceRequest();
        request.Read(ref reader, header.RequestApiVersion);
        if (reader.Failed || reader.Remaining != 0)
            throw new InvalidDataException($"{capture}: {reader.Failure ?? $"{reader.Remaining} bytes left over"}.");
        return request.TopicData
            .SelectMany(topic => topic.PartitionData)
            .SelectMany(partition => SplitBatches(partition.Records ?? ReadOnlyMemory<byte>.Empty))
            .ToList();
    }

    private static IEnumerable<ReadOnlyMemory<byte>> SplitBatches(ReadOnlyMemory<byte> records)
    {
        while (!records.IsEmpty)
        {
            if (!RecordBatchHeader.TryRead(records.Span, out var header) || header.TotalSize < RecordBatchHeader.Size || header.TotalSize > records.Length)
                throw new InvalidDataException("A record batch is truncated.");
            yield return records[..header.TotalSize];
            records = records[header.TotalSize..];
        }
    }
}
