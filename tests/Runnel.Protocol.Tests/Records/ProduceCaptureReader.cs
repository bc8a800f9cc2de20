using Runnel.Protocol.Primitives;

namespace Runnel.Protocol.Tests.Records;

/// <summary>
/// TEMPORARY: walks a captured, non-flexible Produce request (request header v1, body v3-v8) far enough to hand
/// out each partition's records. Delete it once the generated ProduceRequest decoder exists and use that instead.
/// </summary>
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

    public static List<PartitionRecords> Read(byte[] frame)
    {
        var reader = new KafkaReader(frame);
        var apiKey = reader.ReadInt16();
        var version = reader.ReadInt16();
        Assert.Equal(0, apiKey);
        Assert.InRange(version, 3, 8);
        reader.ReadInt32();                                  // correlation id
        reader.ReadString(compact: false, nullable: true);   // client id
        reader.ReadString(compact: false, nullable: true);   // transactional id
        reader.ReadInt16();                                  // acks
        reader.ReadInt32();                                  // timeout
        var result = new List<PartitionRecords>();
        var topics = reader.ReadArrayLength(compact: false, nullable: false, minElementSize: 6);
        for (var t = 0; t < topics; t++)
        {
            var topic = reader.ReadString(compact: false);
            var partitions = reader.ReadArrayLength(compact: false, nullable: false, minElementSize: 8);
            for (var p = 0; p < partitions; p++)
            {
                var index = reader.ReadInt32();
                var records = reader.ReadRecords(compact: false);
                result.Add(new PartitionRecords(topic, index, records?.ToArray() ?? []));
            }
        }
        Assert.Null(reader.Failure);
        Assert.Equal(0, reader.Remaining);
        return result;
    }
}
