using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Net.Security;

namespace Runnel.Broker.Security;

/// <summary>
/// How this node secures the connections it opens to other nodes, as Kafka's brokers do: to a peer's
/// <paramref name="listener"/> with that listener's security protocol (listener.security.protocol.map) and its
/// listener-prefixed settings. Over TLS the listener's trust store checks the peer and its key store is this node's
/// certificate (for ssl.client.auth); over SASL the mechanism is sasl.mechanism.inter.broker.protocol (brokers) or
/// sasl.mechanism.controller.protocol (controllers), and the user is the username and password options of the
/// listener's JAAS config for it (listener.name.&lt;listener&gt;.&lt;mechanism&gt;.sasl.jaas.config, else sasl.jaas.config).
/// A setting that cannot work fails start-up with a ConfigException, except on a lone voter (a single node, which
/// opens no such connection unless broker-only nodes join it): there it is logged and plaintext is used.
/// </summary>
internal static class OutboundSecurity
{
    public static ConnectionSecurity ToBrokers(BrokerConfig config, string listener, ILogger logger)
        => Lenient(config, logger, "brokers", () => For(config, listener, SecurityConfigs.SaslMechanismInterBroker));

    public static ConnectionSecurity ToControllers(BrokerConfig config, ILogger logger)
        => Lenient(config, logger, "controllers",
            () => For(config, config.GetList("controller.listener.names") is [var first, ..] ? first : "CONTROLLER", SecurityConfigs.SaslMechanismController));

    private static ConnectionSecurity Lenient(BrokerConfig config, ILogger logger, string peers, Func<ConnectionSecurity> load)
    {
        try
        {
            return load();
        }
        catch (ConfigException e) when (config.QuorumVoters.Count == 1 && config.IsController)
        {
            logger.LogWarning("Connections to other {Peers} would not work ({Key}: {Message}); a single node does not need them", peers, e.Key, e.Message);
            return ConnectionSecurity.Plaintext;
        }
    }

    private static ConnectionSecurity For(BrokerConfig config, string listener, string mechanismKey)
    {
        if (!config.ListenerSecurityProtocols.TryGetValue(listener.ToUpperInvariant(), out var protocol) || protocol == SecurityProtocol.Plaintext)
            return ConnectionSecurity.Plaintext;
        string? Get(string key) => config.ListenerValue(listener, key);
        Exception Fail(string key, string message) => new ConfigException(BrokerConfig.ListenerKey(listener, key), message);
        var tls = protocol.UsesTls() ? TlsClientSettings.Load(Get, Fail) : null;
        SaslCredentials? sasl = null;
        if (protocol.UsesSasl())
        {
            var mechanism = (config.GetString(mechanismKey) ?? "GSSAPI").ToUpperInvariant();
            var jaasSetting = $"{mechanism.ToLowerInvariant()}.{SecurityConfigs.SaslJaasConfig}";
            var jaas = config.PrefixedValue(listener, jaasSetting) ?? config.GetString(SecurityConfigs.SaslJaasConfig);
            sasl = ConnectionSecurity.Credentials(mechanism, jaas, null, null, BrokerConfig.ListenerKey(listener, jaasSetting),
                (key, message) => new ConfigException(key == "sasl.mechanism" ? mechanismKey : key, message));
        }
        return new ConnectionSecurity(tls, sasl);
    }
}
