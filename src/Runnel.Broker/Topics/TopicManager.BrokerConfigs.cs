using Runnel.Broker.Configuration;
using Runnel.Protocol;

namespace Runnel.Broker.Topics;

/// <summary>
/// Broker configs changed at runtime. As in Kafka, only the topic defaults (log.retention.ms and the other
/// synonyms of topic configs) can change without a restart; a change applies to every topic that does not
/// override it.
/// </summary>
internal sealed partial class TopicManager
{
    public static bool IsDynamicBrokerConfig(string key) => TopicConfigs.All.Any(t => t.BrokerSynonym == key);

    /// <summary>Replaces the runtime broker configs (null values are removed) and re-resolves every topic.</summary>
    public TopicResult SetBrokerConfigs(IReadOnlyDictionary<string, string> configs, bool validateOnly)
    {
        foreach (var (key, value) in configs)
        {
            if (!IsDynamicBrokerConfig(key))
                return new(ErrorCode.InvalidConfig, $"Cannot update {key} dynamically; set it in server.properties and restart.");
            var definition = BrokerConfigs.All.First(d => d.Name == key);
            if (definition.Validate(value) is { } problem)
                return new(ErrorCode.InvalidConfig, $"Invalid value {value} for configuration {key}: {problem}");
        }
        lock (_changes)
        {
            var previous = _dynamicBrokerConfigs;
            _dynamicBrokerConfigs = new Dictionary<string, string>(configs, StringComparer.Ordinal);
            try
            {
                var resolved = All.Select(t => (Topic: t, Settings: Resolve(t.Configs))).ToList();
                if (validateOnly)
                {
                    _dynamicBrokerConfigs = previous;
                    return TopicResult.Ok;
                }
                Persist(All, _dynamicBrokerConfigs);
                foreach (var (topic, settings) in resolved)
                {
                    topic.Settings = settings;
                    foreach (var partition in topic.Partitions)
                        partition.Log.Config = settings.Log;
                }
                return TopicResult.Ok;
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                _dynamicBrokerConfigs = previous;
                return new(ErrorCode.InvalidConfig, e.Message);
            }
        }
    }
}
