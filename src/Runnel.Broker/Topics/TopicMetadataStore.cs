using System.Text.Json;
using Runnel.Storage.IO;

namespace Runnel.Broker.Topics;

/// <summary>What is stored of a topic: enough to rebuild it (its logs hold the data).</summary>
internal sealed record TopicRecord(string Name, Guid Id, int Partitions, Dictionary<string, string> Configs);

/// <summary>The stored cluster metadata: topics and broker configs changed at runtime (IncrementalAlterConfigs).</summary>
internal sealed record ClusterMetadata(List<TopicRecord> Topics, Dictionary<string, string> BrokerConfigs);

/// <summary>
/// Keeps the topic list in one file in the first data directory, rewritten whole through a temp file, fsync and
/// rename, so a crash leaves the old or the new list, never a torn one. A change is stored before it is
/// acknowledged and before any partition directory is created (or after all are deleted), so every directory on
/// disk belongs to a stored topic or is a leftover that start-up reports.
/// </summary>
internal sealed class TopicMetadataStore(string directory)
{
    public const string FileName = "runnel-metadata.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private string PathName => Path.Combine(directory, FileName);

    public ClusterMetadata Load()
    {
        if (!File.Exists(PathName))
            return new ClusterMetadata([], []);
        return JsonSerializer.Deserialize<ClusterMetadata>(File.ReadAllText(PathName), Json)
            ?? throw new InvalidDataException($"{PathName} is empty");
    }

    public void Save(ClusterMetadata metadata)
    {
        var temp = PathName + ".tmp";
        var ordered = metadata with { Topics = [.. metadata.Topics.OrderBy(t => t.Name, StringComparer.Ordinal)] };
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, ordered, Json);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, PathName, overwrite: true);
        PhysicalFileSystem.Instance.SyncDirectory(directory);
    }
}
