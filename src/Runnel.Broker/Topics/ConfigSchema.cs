using System.Globalization;
using Runnel.Broker.Configuration;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;

namespace Runnel.Broker.Topics;

/// <summary>
/// The broker's config definitions as the controller decides config changes with them (Kafka's KafkaConfigSchema and
/// ControllerConfigurationValidator, with the broker-resource checks Kafka's ConfigAdminManager makes): topic configs
/// must be known topic keys with valid values that resolve together; cluster-wide broker configs must be dynamic
/// (<see cref="DynamicBrokerConfig"/>) with valid values, and every topic must still resolve with them as defaults.
/// Broker-resource failures are INVALID_REQUEST, as Kafka answers them (KAFKA-13609); topic failures INVALID_CONFIG.
/// </summary>
internal sealed class ConfigSchema(BrokerConfig config) : IConfigSchema
{
    public bool IsList(ConfigResourceType type, string name) => Definition(type, name)?.Type == ConfigType.List;

    public string? DefaultOf(ConfigResourceType type, string name) => Definition(type, name)?.Default;

    public ApiError Validate(MetadataImage image, ConfigResource resource, IReadOnlyDictionary<string, string> configs, IReadOnlyDictionary<string, string?> altered)
        => resource.Type == ConfigResourceType.Topic
            ? ValidateTopic(configs, image.Configs.For(ConfigResource.ClusterDefault))
            : ValidateBroker(image, configs, altered);

    /// <summary>A topic's own configs, with <paramref name="dynamicBroker"/> the cluster-wide broker configs in force.</summary>
    public ApiError ValidateTopic(IReadOnlyDictionary<string, string> configs, IReadOnlyDictionary<string, string> dynamicBroker)
    {
        foreach (var (key, value) in configs)
        {
            if (!TopicConfigs.TryGet(key, out var definition, out _))
                return new(ErrorCode.InvalidConfig, $"Unknown topic config name: {key}");
            if (definition.Validate(value) is { } problem)
                return new(ErrorCode.InvalidConfig, $"Invalid value {value} for configuration {key}: {problem}");
        }
        // A valid value the broker still refuses: no request carrying such a batch could ever reach it.
        if (configs.TryGetValue(TopicConfigs.MaxMessageBytes, out var maxMessage)
            && long.Parse(maxMessage, CultureInfo.InvariantCulture) > config.SocketRequestMaxBytes)
        {
            return new(ErrorCode.PolicyViolation,
                $"max.message.bytes {maxMessage} exceeds socket.request.max.bytes {config.SocketRequestMaxBytes}; no such batch could be received.");
        }
        return Resolves(TopicDefaults(dynamicBroker), [configs]) is { } error ? new(ErrorCode.InvalidConfig, error) : ApiError.None;
    }

    /// <summary>
    /// The cluster-wide broker configs <paramref name="configs"/>, of which <paramref name="altered"/> change: each
    /// altered key dynamic with a valid value (a thread count within Kafka's bounds of the count in force), and every
    /// topic in <paramref name="image"/> still resolving with the new defaults.
    /// </summary>
    public ApiError ValidateBroker(MetadataImage image, IReadOnlyDictionary<string, string> configs, IReadOnlyDictionary<string, string?> altered)
    {
        var current = image.Configs.For(ConfigResource.ClusterDefault);
        foreach (var (key, value) in altered)
        {
            if (BrokerConfigs.All.FirstOrDefault(d => d.Name == key) is not { } definition)
                return new(ErrorCode.InvalidConfig, $"Unknown broker config name: {key}");
            if (!DynamicBrokerConfig.IsDynamic(key))
                return new(ErrorCode.InvalidRequest, $"Cannot update these configs dynamically: Set({key})");
            if (value is null)
                continue;
            if (definition.Validate(value) is { } problem)
                return new(ErrorCode.InvalidRequest, $"Invalid value {value} for configuration {key}: {problem}");
            if (DynamicBrokerConfig.ThreadCounts.Contains(key))
            {
                var inForce = int.Parse(current.GetValueOrDefault(key) ?? config.GetString(key) ?? definition.Default!, CultureInfo.InvariantCulture);
                if (DynamicBrokerConfig.ThreadCountProblem(key, int.Parse(value, CultureInfo.InvariantCulture), inForce) is { } bounds)
                    return new(ErrorCode.InvalidRequest, bounds);
            }
        }
        var topics = image.Topics.ByName.Keys.Select(name => (IReadOnlyDictionary<string, string>)image.Configs.For(ConfigResource.Topic(name)));
        return Resolves(TopicDefaults(configs), topics) is { } error ? new(ErrorCode.InvalidRequest, error) : ApiError.None;
    }

    /// <summary>Each topic config's default: server.properties, then the cluster-wide broker configs set at runtime.</summary>
    public Dictionary<string, string> TopicDefaults(IReadOnlyDictionary<string, string> dynamicBroker)
    {
        var defaults = new Dictionary<string, string>(config.TopicDefaults(), StringComparer.Ordinal);
        foreach (var (definition, synonym) in TopicConfigs.All)
        {
            if (dynamicBroker.TryGetValue(synonym, out var value))
                defaults[definition.Name] = value;
        }
        // Kafka 3.6+ (KIP-937): log.message.timestamp.difference.max.ms bounds whichever of before/after is left at its default.
        string? Broker(string key) => dynamicBroker.GetValueOrDefault(key) ?? config.GetString(key);
        foreach (var (topicKey, brokerKey) in TimestampBounds)
            defaults[topicKey] = TopicConfigs.TimestampBound(brokerKey, "log.message.timestamp.difference.max.ms", Broker)!;
        return defaults;
    }

    private static readonly (string Topic, string Broker)[] TimestampBounds =
    [
        (TopicConfigs.MessageTimestampBeforeMaxMs, "log.message.timestamp.before.max.ms"),
        (TopicConfigs.MessageTimestampAfterMaxMs, "log.message.timestamp.after.max.ms"),
    ];

    private static string? Resolves(IReadOnlyDictionary<string, string> defaults, IEnumerable<IReadOnlyDictionary<string, string>> topics)
    {
        try
        {
            foreach (var overrides in topics)
                TopicSettings.Resolve(defaults, overrides);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            return e.Message;
        }
    }

    private static ConfigDefinition? Definition(ConfigResourceType type, string name)
        => type == ConfigResourceType.Topic
            ? TopicConfigs.TryGet(name, out var topic, out _) ? topic : null
            : BrokerConfigs.All.FirstOrDefault(d => d.Name == name);
}
