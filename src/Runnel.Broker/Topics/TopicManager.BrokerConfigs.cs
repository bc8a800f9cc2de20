using Runnel.Metadata.Image;

namespace Runnel.Broker.Topics;

/// <summary>
/// Broker configs changed at runtime: the keys <see cref="Configuration.DynamicBrokerConfig"/> lists, stored as the
/// cluster-wide broker resource (""). A topic default (log.retention.ms and the other synonyms of topic configs)
/// applies to every topic that does not override it.
/// </summary>
internal sealed partial class TopicManager
{
    /// <summary>Replaces the runtime broker configs (the legacy AlterConfigs) and re-resolves every topic (when published).</summary>
    public Task<TopicResult> SetBrokerConfigsAsync(IReadOnlyDictionary<string, string> configs, bool validateOnly)
    {
        var current = DynamicBrokerConfigs;
        var altered = current.Keys.Where(k => !configs.ContainsKey(k)).Select(k => KeyValuePair.Create(k, (string?)null))
            .Concat(configs.Where(c => current.GetValueOrDefault(c.Key) != c.Value).Select(c => KeyValuePair.Create(c.Key, (string?)c.Value)))
            .ToDictionary(StringComparer.Ordinal);
        var validation = Schema.ValidateBroker(_quorum.Loader.Image, configs, altered);
        if (!validation.Succeeded)
            return Task.FromResult(Result(validation));
        return AlterAsync(ConfigResource.ClusterDefault, configs, validateOnly);
    }

    /// <summary>The value in force of a broker key: set at runtime, else server.properties or its default.</summary>
    public string? BrokerValue(string key) => DynamicBrokerConfigs.GetValueOrDefault(key) ?? _config.GetString(key);
}
