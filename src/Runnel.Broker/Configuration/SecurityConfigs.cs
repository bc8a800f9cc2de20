using Runnel.Net.Security;

namespace Runnel.Broker.Configuration;

/// <summary>
/// Kafka's listener security keys with its names and defaults. Each may also be set for one listener as
/// listener.name.&lt;name in lower case&gt;.&lt;key&gt;, which wins over the unprefixed key (Kafka's ListenerName.configPrefix);
/// SASL keys may further name a mechanism (listener.name.&lt;name&gt;.&lt;mechanism&gt;.sasl.jaas.config).
/// </summary>
public static class SecurityConfigs
{
    public const string ListenerPrefix = "listener.name.";
    public const string KeystoreType = SslStores.KeystoreType;
    public const string KeystoreLocation = SslStores.KeystoreLocation;
    public const string KeystorePassword = SslStores.KeystorePassword;
    public const string KeystoreCertificateChain = SslStores.KeystoreCertificateChain;
    public const string KeystoreKey = SslStores.KeystoreKey;
    public const string KeyPassword = SslStores.KeyPassword;
    public const string TruststoreType = SslStores.TruststoreType;
    public const string TruststoreLocation = SslStores.TruststoreLocation;
    public const string TruststorePassword = SslStores.TruststorePassword;
    public const string TruststoreCertificates = SslStores.TruststoreCertificates;
    public const string ClientAuth = "ssl.client.auth";
    public const string EnabledProtocols = "ssl.enabled.protocols";
    public const string PrincipalMappingRules = "ssl.principal.mapping.rules";
    public const string SaslEnabledMechanisms = "sasl.enabled.mechanisms";
    public const string SaslJaasConfig = "sasl.jaas.config";
    public const string SaslServerMaxReceiveSize = "sasl.server.max.receive.size";
    public const string FailedAuthenticationDelayMs = "connection.failed.authentication.delay.ms";
    public const string MaxReauthMs = "connections.max.reauth.ms";
    public const string EndpointIdentificationAlgorithm = "ssl.endpoint.identification.algorithm";
    public const string SaslMechanismInterBroker = "sasl.mechanism.inter.broker.protocol";
    public const string SaslMechanismController = "sasl.mechanism.controller.protocol";

    public static IReadOnlyList<ConfigDefinition> All { get; } =
    [
        new(KeystoreType, ConfigType.String, "JKS", "format of the key store: PEM or PKCS12 (JKS, Kafka's default, is refused at start-up)"),
        new(KeystoreLocation, ConfigType.String, null, "file with this broker's private key and certificate chain"),
        new(KeystorePassword, ConfigType.Password, null, "password of a PKCS12 key store"),
        new(KeystoreCertificateChain, ConfigType.Password, null, "certificate chain in PEM, inline, with ssl.keystore.type=PEM"),
        new(KeystoreKey, ConfigType.Password, null, "private key in PEM, inline, with ssl.keystore.type=PEM"),
        new(KeyPassword, ConfigType.Password, null, "password of an encrypted private key"),
        new(TruststoreType, ConfigType.String, "JKS", "format of the trust store: PEM or PKCS12 (JKS, Kafka's default, is refused at start-up)"),
        new(TruststoreLocation, ConfigType.String, null, "file with the CA certificates client certificates are checked against"),
        new(TruststorePassword, ConfigType.Password, null, "password of a PKCS12 trust store"),
        new(TruststoreCertificates, ConfigType.Password, null, "trusted CA certificates in PEM, inline, with ssl.truststore.type=PEM"),
        new(ClientAuth, ConfigType.String, "none", "whether TLS clients must present a certificate: required, requested or none") { Allowed = ["required", "requested", "none"] },
        new(EnabledProtocols, ConfigType.List, "TLSv1.2,TLSv1.3", "TLS versions a listener accepts") { Allowed = ["TLSv1.2", "TLSv1.3"] },
        new(PrincipalMappingRules, ConfigType.String, "DEFAULT", "how a client certificate's RFC 2253 name becomes a principal: DEFAULT (the whole name) and RULE:pattern/replacement/[LU] entries, first match wins"),
        new(SaslEnabledMechanisms, ConfigType.List, "GSSAPI", "SASL mechanisms a SASL listener offers: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512"),
        new(SaslJaasConfig, ConfigType.Password, null, "JAAS login module and options, set per listener and mechanism"),
        new(SaslServerMaxReceiveSize, ConfigType.Int, "524288", "largest frame accepted before a SASL client has authenticated") { Min = 1 },
        new(MaxReauthMs, ConfigType.Long, "0", "longest a SASL session lasts before the client must re-authenticate (KIP-368); 0: no limit") { Min = 0 },
        new(EndpointIdentificationAlgorithm, ConfigType.String, "https", "https: a broker connecting to another over TLS checks that its certificate names the host; empty: it does not"),
        new(SaslMechanismInterBroker, ConfigType.String, "GSSAPI", "SASL mechanism brokers authenticate to each other with on a SASL inter-broker listener"),
        new(SaslMechanismController, ConfigType.String, "GSSAPI", "SASL mechanism used to authenticate to controllers on a SASL controller listener"),
        new(FailedAuthenticationDelayMs, ConfigType.Int, "100", "delay before the reply to a failed authentication, after which the connection closes") { Min = 0 },
    ];

    /// <summary>Broker keys that, besides the security keys, may be set for one listener, as in Kafka.</summary>
    private static readonly string[] ListenerScopedBrokerKeys = ["max.connections", "max.connection.creation.rate"];

    // Built on first use: BrokerConfigs' static list is not yet there while this class initialises.
    private static Dictionary<string, ConfigDefinition>? _byName;

    private static Dictionary<string, ConfigDefinition> ByName => _byName ??= All
        .Concat(BrokerConfigs.All.Where(d => ListenerScopedBrokerKeys.Contains(d.Name)))
        .ToDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>
    /// The definition behind a listener-prefixed key (listener.name.&lt;name&gt;.[&lt;mechanism&gt;.]&lt;key&gt;), or null when
    /// <paramref name="key"/> is not one. <paramref name="listener"/> is the name as written.
    /// </summary>
    public static ConfigDefinition? ForPrefixedKey(string key, out string listener)
    {
        listener = "";
        if (!key.StartsWith(ListenerPrefix, StringComparison.Ordinal))
            return null;
        var rest = key[ListenerPrefix.Length..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
            return null;
        listener = rest[..dot];
        var setting = rest[(dot + 1)..];
        if (ByName.TryGetValue(setting, out var definition))
            return definition;
        // listener.name.<name>.<mechanism>.sasl.jaas.config
        var mechanismDot = setting.IndexOf('.', StringComparison.Ordinal);
        return mechanismDot > 0 && setting[(mechanismDot + 1)..] == SaslJaasConfig ? ByName[SaslJaasConfig] : null;
    }
}
