using Runnel.Broker.Configuration;
using Runnel.Metadata.Image;
using Runnel.Protocol;

namespace Runnel.Broker.Topics;

/// <summary>
/// Broker configs changed at runtime. As in Kafka, only the topic defaults (log.retention.ms and the other
/// synonyms of topic configs but log.message.format.version) can change without a restart; a change applies to every topic that does not
/// override it. They are stored as the cluster-wide broker resource ("").
/// </summary>
internal sealed partial class TopicManager
{
    /// <summary>The broker keys of topic configs, except log.message.format.version, which Kafka never let change at runtime.</summary>
    public static bool IsDynamicBrokerConfig(string key)
        => key != "log.message.format.version" && TopicConfigs.All.Any(t => t.BrokerSynonym == key);

    /// <summary>Replaces the runtime broker configs and re-resolves every topic (when published).</summary>
    public Task<TopicResult> SetBrokerConfigsAsync(IReadOnlyDictionary<string, string> configs, bool validateOnly)
    {
        foreach (var (key, value) in configs)
        {
            if (!IsDynamicBrokerConfig(key))
                return Task.FromResult(new TopicResult(ErrorCode.InvalidConfig, $"Cannot update {key} dynamically; set it in server.properties and restart."));
            var definition = BrokerConfigs.All.First(d => d.Name == key);
            if (definition.Validate(value) is { } problem)
                return Task.FromResult(new TopicResult(ErrorCode.InvalidConfig, $"Invalid value {value} for configuration {key}: {problem}"));
        }
        try
        {
            // Every topic must still resolve with the new defaults before anything is committed.
            var defaults = new Dictionary<string, string>(_config.TopicDefaults(), StringComparer.Ordinal);
            foreach (var (definition, synonym) in TopicConfigs.All)
            {
                if (configs.TryGetValue(synonym, out var value))
                    defaults[definition.Name] = value;
            }
            foreach (var topic in All)
                TopicSettings.Resolve(defaults, topic.Configs);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return Task.FromResult(new TopicResult(ErrorCode.InvalidConfig, e.Message));
        }
        return AlterAsync(ConfigResource.ClusterDefault, configs, validateOnly);
    }
}
