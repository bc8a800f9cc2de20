using System.Globalization;

namespace Runnel.Broker.Configuration;

/// <summary>
/// The broker's settings: server.properties plus --override pairs, with Kafka's key names. Every known key is
/// validated when loaded (an invalid value throws <see cref="ConfigException"/> naming the key); unknown keys are
/// kept and reported in <see cref="Warnings"/>, as Kafka logs "not a known config".
/// </summary>
public sealed partial class BrokerConfig
{
    private static readonly Dictionary<string, ConfigDefinition> Known = BrokerConfigs.All
        .Concat(TopicConfigs.All.Select(t => t.Definition).Where(d => BrokerConfigs.All.All(b => b.Name != d.Name)))
        .ToDictionary(d => d.Name, StringComparer.Ordinal);

    private readonly Dictionary<string, string> _values;

    private BrokerConfig(Dictionary<string, string> values, List<string> warnings)
    {
        _values = values;
        Warnings = warnings;
        Listeners = ListenerAddress.ParseList(GetString("listeners")!, "listeners");
        var advertised = GetString("advertised.listeners");
        AdvertisedListeners = advertised is null ? Listeners : ListenerAddress.ParseList(advertised, "advertised.listeners");
        Validate();
    }

    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The keys set explicitly (server.properties and overrides), as given.</summary>
    public IReadOnlyDictionary<string, string> ExplicitValues => _values;

    public static BrokerConfig Create(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var warnings = new List<string>();
        foreach (var (rawKey, rawValue) in settings)
        {
            var key = rawKey.Trim();
            var value = rawValue.Trim();
            if (Known.TryGetValue(key, out var definition) || (definition = PrefixedDefinition(key, warnings)) is not null)
            {
                if (definition.Validate(value) is { } problem)
                    throw new ConfigException(key, $"'{value}' {problem}");
                if (definition.Ignored)
                    warnings.Add($"{key} is accepted for compatibility and has no effect in Runnel");
            }
            else
            {
                warnings.Add($"{key} is not a known config and is ignored");
            }
            values[key] = value;
        }
        return new BrokerConfig(values, warnings);
    }

    /// <summary>The security key behind listener.name.&lt;name&gt;.&lt;key&gt;; Kafka reads the name only in lower case.</summary>
    private static ConfigDefinition? PrefixedDefinition(string key, List<string> warnings)
    {
        var definition = SecurityConfigs.ForPrefixedKey(key, out var listener);
        if (definition is not null && !listener.Equals(listener.ToLowerInvariant(), StringComparison.Ordinal))
            warnings.Add($"{key} is ignored: Kafka reads listener settings as {SecurityConfigs.ListenerPrefix}{listener.ToLowerInvariant()}.*");
        return definition;
    }

    /// <summary>Reads a Java-style properties file (if given) and then applies "key=value" overrides.</summary>
    public static BrokerConfig Load(string? propertiesFile, IEnumerable<string> overrides)
    {
        var settings = new List<KeyValuePair<string, string>>();
        if (propertiesFile is not null)
            settings.AddRange(PropertiesFile.Parse(File.ReadAllText(propertiesFile)));
        foreach (var entry in overrides)
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new ConfigException(entry, "an override must look like key=value");
            settings.Add(new(entry[..equals], entry[(equals + 1)..]));
        }
        return Create(settings);
    }

    /// <summary>The value in force for a key: explicit, else the default; null when neither.</summary>
    public string? GetString(string key)
        => _values.TryGetValue(key, out var value) ? value : Known.TryGetValue(key, out var definition) ? definition.Default : null;

    public int GetInt(string key) => int.Parse(GetString(key) ?? throw Missing(key), CultureInfo.InvariantCulture);

    public long GetLong(string key) => long.Parse(GetString(key) ?? throw Missing(key), CultureInfo.InvariantCulture);

    public bool GetBool(string key) => bool.Parse(GetString(key) ?? throw Missing(key));

    public IReadOnlyList<string> GetList(string key) => ConfigDefinition.SplitList(GetString(key) ?? "");

    private static ConfigException Missing(string key) => new(key, "has no value and no default");

    public bool IsSet(string key) => _values.ContainsKey(key);
}
