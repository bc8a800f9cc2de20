using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Protocol.Tests.Records;

/// <summary>Each partition's records in captured Produce requests, decoded with the generated <see cref="ProduceRequest"/>.</summary>
internal static class ProduceCaptureReader
{
    public sealed record PartitionRecords(string Topic, int Partition, byte[] Records);

    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "captures", name);

    /// <summary>Every partition's records in the captures whose file names start with <paramref name="prefix"/>.</summary>
    public static List<PartitionRecords> ReadScenario(string prefix)
    {
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "captures"), prefix + "*-key0-v*.request.bin");
        Array.Sort(files, StringComparer.Ordinal);
        Assert.NotEmpty(files);
        return files.SelectMany(f => Read(File.ReadAllBytes(f))).ToList();
    }

    /// <summary>The partitions of a Produce request frame; nothing for frames of other APIs.</summary>
    public static List<PartitionRecords> Read(byte[] frame)
    {
        var reader = new KafkaReader(frame);
        var header = Framing.ReadRequestHeader(ref reader, frame);
        if (header.RequestApiKey != (short)ApiKey.Produce)
            return [];
        var request = new ProduceRequest();
        request.Read(ref reader, header.RequestApiVersion);
        Assert.False(reader.Failed, reader.Failure);
        return request.TopicData
            .SelectMany(t => t.PartitionData.Select(p => new PartitionRecords(t.Name, p.Index, p.Records?.ToArray() ?? [])))
            .ToList();
    }
}
