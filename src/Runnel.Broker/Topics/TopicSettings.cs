using System.Globalization;
using Runnel.Storage;

namespace Runnel.Broker.Topics;

/// <summary>
/// A topic's effective configs (broker defaults overridden by the topic's own), resolved once when the topic is
/// created or altered so the produce path reads fields instead of parsing strings.
/// </summary>
internal sealed record TopicSettings(IReadOnlyDictionary<string, string> Values, LogConfig Log)
{
    public long TimestampBeforeMaxMs { get; } = ParseLong(Values, "message.timestamp.before.max.ms");

    public long TimestampAfterMaxMs { get; } = ParseLong(Values, "message.timestamp.after.max.ms");

    public static TopicSettings Resolve(IReadOnlyDictionary<string, string> brokerDefaults, IReadOnlyDictionary<string, string> overrides)
    {
        var effective = new Dictionary<string, string>(brokerDefaults, StringComparer.Ordinal);
        foreach (var (key, value) in overrides)
            effective[key] = value;
        return new TopicSettings(effective, LogConfig.Default.With(effective));
    }

    private static long ParseLong(IReadOnlyDictionary<string, string> values, string key)
        => values.TryGetValue(key, out var value) ? long.Parse(value, CultureInfo.InvariantCulture) : long.MaxValue;

    /// <summary>The value in force for <paramref name="key"/>, if it is a topic config.</summary>
    public string? Get(string key) => Values.GetValueOrDefault(key);
}
