namespace Runnel.Net.Security;

/// <summary>
/// How a <see cref="KafkaConnection"/> secures itself: TLS around the socket (SSL, SASL_SSL) and a SASL exchange
/// before the first request (SASL_PLAINTEXT, SASL_SSL). Both null is PLAINTEXT.
/// </summary>
public sealed record ConnectionSecurity(TlsClientSettings? Tls, SaslCredentials? Sasl)
{
    public static ConnectionSecurity Plaintext { get; } = new(null, null);

    /// <summary>Kafka's security.protocol name of this setting.</summary>
    public string ProtocolName => (Tls, Sasl) switch
    {
        (null, null) => "PLAINTEXT",
        (_, null) => "SSL",
        (null, _) => "SASL_PLAINTEXT",
        _ => "SASL_SSL",
    };

    /// <summary>
    /// A client's security from Kafka's client keys (a --command-config file, a producer.config): security.protocol,
    /// the ssl.* keys (<see cref="TlsClientSettings.Load"/>), sasl.mechanism (default GSSAPI, which Runnel's clients do
    /// not speak) and the user from sasl.jaas.config (PlainLoginModule or ScramLoginModule with username and
    /// password) or librdkafka's sasl.username and sasl.password.
    /// </summary>
    public static ConnectionSecurity FromClientProperties(Func<string, string?> get, Func<string, string, Exception> fail)
    {
        ArgumentNullException.ThrowIfNull(get);
        ArgumentNullException.ThrowIfNull(fail);
        var protocol = (get("security.protocol") ?? "PLAINTEXT").ToUpperInvariant();
        var (tls, sasl) = protocol switch
        {
            "PLAINTEXT" => (false, false),
            "SSL" => (true, false),
            "SASL_PLAINTEXT" => (false, true),
            "SASL_SSL" => (true, true),
            _ => throw fail("security.protocol", $"'{protocol}' is not a security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)"),
        };
        return new ConnectionSecurity(tls ? TlsClientSettings.Load(get, fail) : null,
            sasl ? Credentials(get("sasl.mechanism") ?? "GSSAPI", get("sasl.jaas.config"), get("sasl.username"), get("sasl.password"), "sasl.jaas.config", fail) : null);
    }

    /// <summary>
    /// The client credentials for <paramref name="mechanism"/>: the username and password options of a JAAS config
    /// (as Kafka's PlainLoginModule and ScramLoginModule take them), else the given user and password.
    /// </summary>
    public static SaslCredentials Credentials(string mechanism, string? jaasConfig, string? username, string? password, string jaasKey,
        Func<string, string, Exception> fail)
    {
        ArgumentNullException.ThrowIfNull(fail);
        mechanism = mechanism.ToUpperInvariant();
        if (!SaslCredentials.Supported.Contains(mechanism))
            throw fail("sasl.mechanism", $"SASL mechanism {mechanism} is not supported; use {string.Join(", ", SaslCredentials.Supported)}");
        if (jaasConfig is not null)
        {
            JaasConfig jaas;
            try
            {
                jaas = JaasConfig.Parse(jaasConfig, jaasKey);
            }
            catch (JaasConfigException e)
            {
                throw fail(jaasKey, e.Message);
            }
            username = jaas.Options.GetValueOrDefault("username");
            password = jaas.Options.GetValueOrDefault("password");
        }
        if (username is null || password is null)
            throw fail(jaasKey, $"SASL {mechanism} needs a username and a password (sasl.jaas.config with username=\"...\" password=\"...\")");
        return new SaslCredentials(mechanism, username, password);
    }
}
