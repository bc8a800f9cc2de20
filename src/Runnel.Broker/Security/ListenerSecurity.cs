using Runnel.Broker.Configuration;

namespace Runnel.Broker.Security;

/// <summary>
/// What a listener asks of its connections: its security protocol, the TLS server settings for SSL and SASL_SSL,
/// and the SASL mechanisms for SASL_PLAINTEXT and SASL_SSL. Built per listener at start-up; a bad setting fails
/// start-up with a ConfigException.
/// </summary>
internal sealed record ListenerSecurity(string ListenerName, SecurityProtocol Protocol, TlsServerSettings? Tls, SaslSettings? Sasl)
{
    /// <summary>ssl.principal.mapping.rules: how a client certificate's name becomes the principal's user name.</summary>
    public SslPrincipalMapper PrincipalMapper { get; init; } = SslPrincipalMapper.Default;
    /// <summary>The SCRAM credentials of the metadata image (AlterUserScramCredentials), set once the quorum is open.</summary>
    public StoredScramCredentials? StoredScram { get; init; }

    public static ListenerSecurity Load(BrokerConfig config, string listener)
    {
        var protocol = config.SecurityProtocolOf(listener);
        SslPrincipalMapper mapper;
        try
        {
            mapper = SslPrincipalMapper.Parse(config.ListenerValue(listener, SecurityConfigs.PrincipalMappingRules));
        }
        catch (ArgumentException e)
        {
            throw new ConfigException(SecurityConfigs.PrincipalMappingRules, e.Message);
        }
        return new ListenerSecurity(listener, protocol,
            protocol.UsesTls() ? TlsServerSettings.Load(config, listener) : null,
            protocol.UsesSasl() ? SaslSettings.Load(config, listener) : null)
        {
            PrincipalMapper = mapper,
        };
    }
}
