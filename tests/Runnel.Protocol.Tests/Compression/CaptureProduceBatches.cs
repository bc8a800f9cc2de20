using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Protocol.Tests.Compression;

/// <summary>
/// TEMPORARY: pulls the record batches out of captured Produce requests until the generated ProduceRequest decoder
/// exists; replace its uses with that decoder then. Handles only what the captures hold: request header v1 and a
/// non-flexible Produce body (v3-v8).
/// </summary>
internal static class CaptureProduceBatches
{
    public const short ProduceApiKey = 0;

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "captures");

    /// <summary>The capture file names (no directory) whose names contain <paramref name="fragment"/>.</summary>
    public static IEnumerable<string> Files(string fragment) =>
        System.IO.Directory.EnumerateFiles(Directory, "*.request.bin")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name.Contains(fragment, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    /// <summary>Every record batch in every partition of the request, each as its exact bytes.</summary>
    public static List<ReadOnlyMemory<byte>> Read(string fileName)
    {
        var frame = File.ReadAllBytes(Path.Combine(Directory, fileName));
        var reader = new KafkaReader(frame);
        var apiKey = reader.ReadInt16();
        var apiVersion = reader.ReadInt16();
        if (apiKey != ProduceApiKey || apiVersion is < 3 or > 8)
            throw new InvalidDataException($"{fileName}: API key {apiKey} v{apiVersion} is not a non-flexible Produce.");
        reader.ReadInt32(); // correlation id
        reader.ReadString(compact: false, nullable: true); // client id
        reader.ReadString(compact: false, nullable: true); // transactional id
        reader.ReadInt16(); // acks
        reader.ReadInt32(); // timeout

        var batches = new List<ReadOnlyMemory<byte>>();
        var topicCount = reader.ReadArrayLength(compact: false, nullable: false, minElementSize: 6);
        for (var t = 0; t < topicCount; t++)
        {
            reader.ReadString(compact: false); // topic name
            var partitionCount = reader.ReadArrayLength(compact: false, nullable: false, minElementSize: 8);
            for (var p = 0; p < partitionCount; p++)
            {
                reader.ReadInt32(); // partition index
                if (reader.ReadRecords(compact: false) is { } records)
                    batches.AddRange(SplitBatches(records));
            }
        }
        if (reader.Failed || reader.Remaining != 0)
            throw new InvalidDataException($"{fileName}: {reader.Failure ?? $"{reader.Remaining} bytes left over"}.");
        return batches;
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
