using Runnel.Broker.Configuration;

namespace Runnel.Broker.Topics;

/// <summary>Kafka's config sources, as DescribeConfigs (v1+) and CreateTopics (v5+) report them.</summary>
internal enum ConfigSource : sbyte
{
    Unknown = 0,
    DynamicTopicConfig = 1,
    DynamicBrokerConfig = 2,
    DynamicDefaultBrokerConfig = 3,
    StaticBrokerConfig = 4,
    DefaultConfig = 5,
}

/// <summary>One place a config's value could come from, strongest first in <see cref="ConfigEntry.Synonyms"/>.</summary>
internal sealed record ConfigSynonym(string Name, string? Value, ConfigSource Source);

/// <summary>A described config; its source is that of its first synonym, or DEFAULT_CONFIG when it has none (as in Kafka).</summary>
internal sealed record ConfigEntry(string Name, string? Value, bool ReadOnly, bool Sensitive, string Documentation, ConfigType Type,
    IReadOnlyList<ConfigSynonym> Synonyms)
{
    public ConfigSource Source => Synonyms.Count == 0 ? ConfigSource.DefaultConfig : Synonyms[0].Source;

    /// <summary>DescribeConfigs v3+ type codes: BOOLEAN 1, STRING 2, INT 3, SHORT 4, LONG 5, DOUBLE 6, LIST 7, CLASS 8, PASSWORD 9.</summary>
    public sbyte WireType => Type switch
    {
        ConfigType.Boolean => 1,
        ConfigType.String => 2,
        ConfigType.Int => 3,
        ConfigType.Long => 5,
        ConfigType.Double => 6,
        ConfigType.List => 7,
        ConfigType.Password => 9,
        _ => 0,
    };
}

/// <summary>
/// Describes topic and broker configs: value in force, where it came from, whether it can change. Synonyms follow
/// Kafka's ConfigHelper: a topic's own value (DYNAMIC_TOPIC_CONFIG), then for the broker key behind it and that key's
/// own synonyms (log.retention.ms, log.retention.minutes, log.retention.hours; log.roll.ms, log.roll.hours;
/// log.flush.interval.ms, log.flush.scheduler.interval.ms) each runtime value (DYNAMIC_DEFAULT_BROKER_CONFIG), each
/// value from server.properties or --override (STATIC_BROKER_CONFIG) and each non-null default (DEFAULT_CONFIG), with
/// leading entries of other names dropped until the described broker key's own: so retention.ms with only
/// log.retention.hours set lists no broker synonym at all, exactly as Kafka does.
/// </summary>
internal static class ConfigDescriber
{
    private static readonly Dictionary<string, ConfigDefinition> BrokerDefinitions = BrokerConfigs.All.ToDictionary(d => d.Name, StringComparer.Ordinal);

    public static IEnumerable<ConfigEntry> Topic(TopicState topic, BrokerConfig broker, IReadOnlyDictionary<string, string> dynamicBroker)
    {
        foreach (var (definition, synonym) in TopicConfigs.All)
        {
            var name = definition.Name;
            var value = topic.Settings.Get(name);
            var synonyms = BrokerSynonyms(synonym, broker, dynamicBroker, dynamicOnly: false, sensitive: false);
            if (topic.Configs.ContainsKey(name))
                synonyms.Insert(0, new ConfigSynonym(name, value, ConfigSource.DynamicTopicConfig));
            yield return new ConfigEntry(name, value, false, false, definition.Documentation, definition.Type, synonyms);
        }
    }

    /// <summary>
    /// This broker's configs (resource named by its id): from server.properties and --override (read-only), or changed
    /// at runtime for the topic defaults that allow it; then the listener-prefixed security settings that were set.
    /// </summary>
    public static IEnumerable<ConfigEntry> Broker(BrokerConfig broker, IReadOnlyDictionary<string, string> dynamicBroker)
    {
        foreach (var definition in BrokerConfigs.All)
        {
            var sensitive = definition.Type == ConfigType.Password;
            var value = dynamicBroker.TryGetValue(definition.Name, out var changed) ? changed : broker.GetString(definition.Name);
            yield return new ConfigEntry(definition.Name, sensitive ? null : value, ReadOnly: !DynamicBrokerConfig.IsDynamic(definition.Name),
                sensitive, definition.Documentation, definition.Type, BrokerSynonyms(definition.Name, broker, dynamicBroker, dynamicOnly: false, sensitive));
        }
        // Listener-prefixed security settings (listener.name.<name>.ssl.keystore.location, ...) as set at start-up, as
        // Kafka lists them; passwords, keys and JAAS configs with a null value and is_sensitive.
        foreach (var (key, value) in broker.ExplicitValues.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (SecurityConfigs.ForPrefixedKey(key, out _) is not { } definition)
                continue;
            var sensitive = definition.Type == ConfigType.Password;
            yield return new ConfigEntry(key, sensitive ? null : value, ReadOnly: true, sensitive, definition.Documentation, definition.Type,
                [new ConfigSynonym(key, sensitive ? null : value, ConfigSource.StaticBrokerConfig)]);
        }
    }

    /// <summary>
    /// The cluster-wide default resource (broker ""): only the configs changed at runtime, each with its runtime value
    /// as its one synonym, as Kafka describes it.
    /// </summary>
    public static IEnumerable<ConfigEntry> ClusterDefault(BrokerConfig broker, IReadOnlyDictionary<string, string> dynamicBroker)
    {
        foreach (var (name, value) in dynamicBroker.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var definition = BrokerDefinitions.GetValueOrDefault(name);
            var sensitive = definition?.Type == ConfigType.Password;
            yield return new ConfigEntry(name, sensitive ? null : value, ReadOnly: !DynamicBrokerConfig.IsDynamic(name), sensitive,
                definition?.Documentation ?? "", definition?.Type ?? ConfigType.String, BrokerSynonyms(name, broker, dynamicBroker, dynamicOnly: true, sensitive));
        }
    }

    /// <summary>Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the keys that set the same thing, strongest first.</summary>
    public static IReadOnlyList<string> SynonymKeys(string brokerKey) => brokerKey switch
    {
        "log.roll.ms" or "log.roll.hours" => ["log.roll.ms", "log.roll.hours"],
        "log.flush.interval.ms" => ["log.flush.interval.ms", "log.flush.scheduler.interval.ms"],
        "log.retention.ms" or "log.retention.minutes" or "log.retention.hours" => ["log.retention.ms", "log.retention.minutes", "log.retention.hours"],
        _ => [brokerKey],
    };

    private static List<ConfigSynonym> BrokerSynonyms(string brokerKey, BrokerConfig broker, IReadOnlyDictionary<string, string> dynamicBroker,
        bool dynamicOnly, bool sensitive)
    {
        var keys = SynonymKeys(brokerKey);
        var found = new List<ConfigSynonym>();
        void Add(ConfigSource source, Func<string, string?> lookup)
        {
            foreach (var key in keys)
            {
                if (lookup(key) is { } value)
                    found.Add(new ConfigSynonym(key, sensitive ? null : value, source));
            }
        }
        Add(ConfigSource.DynamicDefaultBrokerConfig, dynamicBroker.GetValueOrDefault);
        if (!dynamicOnly)
        {
            Add(ConfigSource.StaticBrokerConfig, key => broker.ExplicitValues.GetValueOrDefault(key));
            Add(ConfigSource.DefaultConfig, key => BrokerDefinitions.GetValueOrDefault(key)?.Default);
        }
        var own = found.FindIndex(s => s.Name == brokerKey);
        return own < 0 ? [] : found[own..];
    }
}
