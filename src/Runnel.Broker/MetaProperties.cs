using System.Globalization;
using Runnel.Broker.Configuration;

namespace Runnel.Broker;

/// <summary>
/// meta.properties in each data directory, as Kafka writes it: the cluster id and node id the directory belongs
/// to. A directory from another cluster or node is refused rather than silently mixed in.
/// </summary>
internal sealed record MetaProperties(string ClusterId, int NodeId)
{
    public const string FileName = "meta.properties";

    public static MetaProperties LoadOrCreate(IReadOnlyList<string> logDirs, int nodeId, string? configuredClusterId)
    {
        string? clusterId = configuredClusterId;
        foreach (var dir in logDirs)
        {
            var path = Path.Combine(dir, FileName);
            if (!File.Exists(path))
                continue;
            var values = PropertiesFile.Parse(File.ReadAllText(path)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            if (values.TryGetValue("node.id", out var storedNode) && int.Parse(storedNode, CultureInfo.InvariantCulture) != nodeId)
                throw new ConfigException("node.id", $"{dir} belongs to node {storedNode}, not {nodeId}");
            if (values.TryGetValue("cluster.id", out var storedCluster))
            {
                if (clusterId is not null && clusterId != storedCluster)
                    throw new ConfigException("cluster.id", $"{dir} belongs to cluster {storedCluster}, not {clusterId}");
                clusterId = storedCluster;
            }
        }
        clusterId ??= NewClusterId();
        foreach (var dir in logDirs)
        {
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, FileName);
            if (File.Exists(path))
                continue;
            var temp = path + ".tmp";
            File.WriteAllText(temp, $"#Written by Runnel\nversion=1\ncluster.id={clusterId}\nnode.id={nodeId}\n");
            File.Move(temp, path, overwrite: true);
        }
        return new MetaProperties(clusterId, nodeId);
    }

    /// <summary>A random UUID in Kafka's URL-safe base64 form (22 characters), as kafka-storage.sh random-uuid prints.</summary>
    public static string NewClusterId()
        => Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
