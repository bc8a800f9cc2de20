using System.Globalization;
using Runnel.Broker.Configuration;
using Runnel.Storage;

namespace Runnel.Broker.Topics;

/// <summary>
/// A topic's effective configs (broker defaults overridden by the topic's own), resolved once when the topic is
/// created or altered so the produce path reads fields instead of parsing strings.
/// </summary>
internal sealed record TopicSettings(IReadOnlyDictionary<string, string> Values, LogConfig Log)
{
    /// <summary>message.timestamp.before.max.ms, or the deprecated message.timestamp.difference.max.ms when it is at its default (KIP-937).</summary>
    public long TimestampBeforeMaxMs { get; } = Bound(Values, TopicConfigs.MessageTimestampBeforeMaxMs);

    /// <summary>message.timestamp.after.max.ms, or the deprecated message.timestamp.difference.max.ms when it is at its default (KIP-937).</summary>
    public long TimestampAfterMaxMs { get; } = Bound(Values, TopicConfigs.MessageTimestampAfterMaxMs);

    public static TopicSettings Resolve(IReadOnlyDictionary<string, string> brokerDefaults, IReadOnlyDictionary<string, string> overrides)
    {
        var effective = new Dictionary<string, string>(brokerDefaults, StringComparer.Ordinal);
        foreach (var (key, value) in overrides)
            effective[key] = value;
        return new TopicSettings(effective, LogConfig.Default.With(effective));
    }

    private static long Bound(IReadOnlyDictionary<string, string> values, string key)
        => TopicConfigs.TimestampBound(key, TopicConfigs.MessageTimestampDifferenceMaxMs, values.GetValueOrDefault) is { } value
            ? long.Parse(value, CultureInfo.InvariantCulture) : long.MaxValue;

    /// <summary>The value in force for <paramref name="key"/>, if it is a topic config.</summary>
    public string? Get(string key) => Values.GetValueOrDefault(key);
}
