using System.Text.Json;
using Runnel.Storage.IO;

namespace Runnel.Broker.Topics;

/// <summary>What is stored of a topic: enough to rebuild it (its logs hold the data).</summary>
internal sealed record TopicRecord(string Name, Guid Id, int Partitions, Dictionary<string, string> Configs);

/// <summary>
/// Keeps the topic list in one file in the first data directory, rewritten whole through a temp file, fsync and
/// rename, so a crash leaves the old or the new list, never a torn one. A change is stored before it is
/// acknowledged and before any partition directory is created (or after all are deleted), so every directory on
/// disk belongs to a stored topic or is a leftover that start-up reports.
/// </summary>
internal sealed class TopicMetadataStore(string directory)
{
    public const string FileName = "runnel-topics.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private string PathName => Path.Combine(directory, FileName);

    public IReadOnlyList<TopicRecord> Load()
    {
        if (!File.Exists(PathName))
            return [];
        return JsonSerializer.Deserialize<List<TopicRecord>>(File.ReadAllText(PathName), Json)
            ?? throw new InvalidDataException($"{PathName} is empty");
    }

    public void Save(IEnumerable<TopicRecord> topics)
    {
        var temp = PathName + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, topics.OrderBy(t => t.Name, StringComparer.Ordinal).ToList(), Json);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, PathName, overwrite: true);
        PhysicalFileSystem.Instance.SyncDirectory(directory);
    }
}
