namespace Runnel.Broker.Configuration;

/// <summary>Listener security: the protocol of each listener and its listener-prefixed settings.</summary>
public sealed partial class BrokerConfig
{
    private IReadOnlyDictionary<string, SecurityProtocol>? _protocols;

    /// <summary>
    /// Kafka's effective listener.security.protocol.map: the configured map; when the key is not set explicitly,
    /// each controller listener is also mapped to PLAINTEXT, unless a listener or controller listener name is SSL,
    /// SASL_PLAINTEXT or SASL_SSL (KafkaConfig.effectiveListenerSecurityProtocolMap).
    /// </summary>
    public IReadOnlyDictionary<string, SecurityProtocol> ListenerSecurityProtocols => _protocols ??= BuildProtocolMap();

    /// <summary>The security protocol of a listener; ConfigException when the map has none for it.</summary>
    public SecurityProtocol SecurityProtocolOf(string listenerName)
        => ListenerSecurityProtocols.TryGetValue(listenerName.ToUpperInvariant(), out var protocol)
            ? protocol
            : throw new ConfigException("listener.security.protocol.map", $"No security protocol defined for listener {listenerName.ToUpperInvariant()}");

    /// <summary>
    /// A listener's value of a security key: listener.name.&lt;name in lower case&gt;.&lt;key&gt;, else the unprefixed key
    /// (its default when unset), as Kafka resolves listener configs.
    /// </summary>
    public string? ListenerValue(string listenerName, string key)
        => _values.TryGetValue(ListenerKey(listenerName, key), out var value) ? value : GetString(key);

    /// <summary>The listener-prefixed spelling of <paramref name="key"/>.</summary>
    public static string ListenerKey(string listenerName, string key)
        => $"{SecurityConfigs.ListenerPrefix}{listenerName.ToLowerInvariant()}.{key}";

    /// <summary>A listener-prefixed value only (no unprefixed fallback), like Kafka's per-mechanism sasl.jaas.config.</summary>
    public string? PrefixedValue(string listenerName, string key)
        => _values.TryGetValue(ListenerKey(listenerName, key), out var value) ? value : null;

    private Dictionary<string, SecurityProtocol> BuildProtocolMap()
    {
        const string key = "listener.security.protocol.map";
        var map = new Dictionary<string, SecurityProtocol>(StringComparer.Ordinal);
        foreach (var entry in GetList(key))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                throw new ConfigException(key, $"'{entry}' must look like LISTENER_NAME:SECURITY_PROTOCOL");
            var name = entry[..colon].Trim().ToUpperInvariant();
            var protocolName = entry[(colon + 1)..].Trim();
            if (!SecurityProtocols.TryParse(protocolName, out var protocol))
                throw new ConfigException(key, $"Invalid security protocol `{protocolName}` defined in {key}");
            if (!map.TryAdd(name, protocol))
                throw new ConfigException(key, $"listener {name} is mapped more than once");
        }
        if (IsSet(key))
            return map;
        var controllers = GetList("controller.listener.names").Select(n => n.ToUpperInvariant()).ToList();
        static bool SslOrSasl(string name) => name is "SSL" or "SASL_SSL" or "SASL_PLAINTEXT";
        if (controllers.Any(SslOrSasl) || Listeners.Any(l => SslOrSasl(l.Name)))
            return map;
        foreach (var controller in controllers)
            map.TryAdd(controller, SecurityProtocol.Plaintext);
        return map;
    }

    private void ValidateSecurity()
    {
        foreach (var listener in Listeners.Concat(AdvertisedListeners))
            SecurityProtocolOf(listener.Name);
    }
}
