using System.Text.Json;
using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Quorum;

/// <summary>
/// Data directories written before the metadata quorum kept their topics in <c>runnel-metadata.json</c>. On the
/// first start with the quorum, its topics (with their ids, so clients that know them by id still find them),
/// partition counts and configs, and the runtime broker configs, are committed as records once; the file is then
/// renamed to <c>.imported</c> and the metadata log is the only truth.
/// </summary>
internal static class LegacyMetadataImport
{
    public const string FileName = "runnel-metadata.json";

    private sealed record StoredTopic(string Name, Guid Id, int Partitions, Dictionary<string, string> Configs);

    private sealed record Stored(List<StoredTopic> Topics, Dictionary<string, string> BrokerConfigs);

    public static async Task ImportAsync(BrokerConfig config, MetadataQuorum quorum, ILogger logger)
    {
        var path = Path.Combine(config.LogDirs[0], FileName);
        if (!File.Exists(path))
            return;
        var stored = JsonSerializer.Deserialize<Stored>(await File.ReadAllTextAsync(path).ConfigureAwait(false))
            ?? throw new InvalidDataException($"{path} is empty");
        var imported = await quorum.Controller.ExecuteAsync(image => Records(image, stored, config.NodeId)).ConfigureAwait(false);
        File.Move(path, path + ".imported", overwrite: true);
        logger.LogInformation("Imported {Count} topics from {File} into the metadata log", imported, path);
    }

    private static ControllerResult<int> Records(MetadataImage image, Stored stored, int nodeId)
    {
        var records = new List<IKafkaMessage>();
        var topics = stored.Topics.Where(t => image.Topics.Find(t.Name) is null && image.Topics.Find(t.Id) is null).ToList();
        foreach (var topic in topics)
        {
            records.Add(new TopicRecord { Name = topic.Name, TopicId = topic.Id });
            records.AddRange(Enumerable.Range(0, topic.Partitions).Select(p => new PartitionRecord
            {
                TopicId = topic.Id,
                PartitionId = p,
                Replicas = [nodeId],
                Isr = [nodeId],
                Leader = nodeId,
                LeaderEpoch = 0,
                PartitionEpoch = 0,
            }));
            records.AddRange(topic.Configs.Select(c => new ConfigRecord
            {
                ResourceType = (sbyte)ConfigResourceType.Topic,
                ResourceName = topic.Name,
                Name = c.Key,
                Value = c.Value,
            }));
        }
        var brokerConfigs = stored.BrokerConfigs.ToDictionary(c => c.Key, c => (string?)c.Value, StringComparer.Ordinal);
        records.AddRange(ConfigurationControlManager.Alter(image, ConfigResource.ClusterDefault, brokerConfigs, replace: false).Records);
        return new(records, topics.Count);
    }
}
