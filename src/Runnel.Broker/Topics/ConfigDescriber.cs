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

internal sealed record ConfigEntry(string Name, string? Value, ConfigSource Source, bool ReadOnly, bool Sensitive, string Documentation, ConfigType Type)
{
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

    /// <summary>The broker key a topic config falls back to, for DescribeConfigs synonyms.</summary>
    public string? BrokerSynonym { get; init; }
}

/// <summary>Describes topic and broker configs: value in force, where it came from, whether it can change.</summary>
internal static class ConfigDescriber
{
    public static IEnumerable<ConfigEntry> Topic(TopicState topic, BrokerConfig broker, IReadOnlyDictionary<string, string> dynamicBroker)
    {
        foreach (var (definition, synonym) in TopicConfigs.All)
        {
            var name = definition.Name;
            var source = topic.Configs.ContainsKey(name) ? ConfigSource.DynamicTopicConfig
                : dynamicBroker.ContainsKey(synonym) ? ConfigSource.DynamicDefaultBrokerConfig
                : broker.IsSet(synonym) ? ConfigSource.StaticBrokerConfig
                : ConfigSource.DefaultConfig;
            yield return new ConfigEntry(name, topic.Settings.Get(name), source, false, false, definition.Documentation, definition.Type)
            {
                BrokerSynonym = synonym,
            };
        }
    }

    /// <summary>
    /// Broker configs: from server.properties and --override (read-only), or changed at runtime for the topic
    /// defaults that allow it.
    /// </summary>
    public static IEnumerable<ConfigEntry> Broker(BrokerConfig broker, IReadOnlyDictionary<string, string> dynamicBroker)
    {
        foreach (var definition in BrokerConfigs.All)
        {
            var sensitive = definition.Type == ConfigType.Password;
            var dynamic = dynamicBroker.TryGetValue(definition.Name, out var changed);
            var source = dynamic ? ConfigSource.DynamicDefaultBrokerConfig
                : broker.IsSet(definition.Name) ? ConfigSource.StaticBrokerConfig : ConfigSource.DefaultConfig;
            yield return new ConfigEntry(definition.Name, sensitive ? null : dynamic ? changed : broker.GetString(definition.Name), source,
                ReadOnly: !DynamicBrokerConfig.IsDynamic(definition.Name), sensitive, definition.Documentation, definition.Type);
        }
    }
}
