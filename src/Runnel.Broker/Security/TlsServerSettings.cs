using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Runnel.Broker.Configuration;
using Runnel.Net.Security;

namespace Runnel.Broker.Security;

/// <summary>How a listener's TLS clients must authenticate (ssl.client.auth).</summary>
internal enum ClientAuth { None, Requested, Required }

/// <summary>
/// A TLS listener's server side, loaded once at start-up from Kafka's ssl.* keys (listener-prefixed first):
/// the key store (PEM file with key and chain, inline PEM chain and key, or PKCS12; ssl.key.password for an
/// encrypted PEM key), the PEM or PKCS12 trust store client certificates are checked against, ssl.client.auth and
/// ssl.enabled.protocols. Anything missing or unreadable is a ConfigException naming the key.
/// </summary>
internal sealed class TlsServerSettings
{
    private readonly SslStreamCertificateContext _certificate;
    private readonly X509Certificate2Collection _trusted;
    private readonly SslProtocols _protocols;

    private TlsServerSettings(SslStreamCertificateContext certificate, X509Certificate2Collection trusted, ClientAuth clientAuth, SslProtocols protocols)
    {
        _certificate = certificate;
        _trusted = trusted;
        ClientAuth = clientAuth;
        _protocols = protocols;
    }

    public ClientAuth ClientAuth { get; }

    public static TlsServerSettings Load(BrokerConfig config, string listener)
    {
        string? Get(string key) => config.ListenerValue(listener, key);
        Exception Fail(string key, string message) => new ConfigException(BrokerConfig.ListenerKey(listener, key), message);
        var leaf = SslStores.LoadKeyStore(Get, Fail);
        var chain = SslStores.ChainExtras(Get, leaf);
        var trusted = SslStores.LoadTrustStore(Get, Fail);
        var clientAuth = Get(SecurityConfigs.ClientAuth)!.ToLowerInvariant() switch
        {
            "required" => ClientAuth.Required,
            "requested" => ClientAuth.Requested,
            _ => ClientAuth.None,
        };
        if (clientAuth != ClientAuth.None && trusted.Count == 0)
            throw new ConfigException(BrokerConfig.ListenerKey(listener, SecurityConfigs.TruststoreLocation),
                $"ssl.client.auth={clientAuth.ToString().ToLowerInvariant()} needs a trust store with the CAs of client certificates");
        var protocols = SslStores.EnabledProtocols(Get(SecurityConfigs.EnabledProtocols))
            ?? throw new ConfigException(SecurityConfigs.EnabledProtocols, "needs TLSv1.2, TLSv1.3 or both");
        var context = SslStreamCertificateContext.Create(leaf, chain, offline: true);
        return new TlsServerSettings(context, trusted, clientAuth, protocols);
    }

    public SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificateContext = _certificate,
        ClientCertificateRequired = ClientAuth != ClientAuth.None,
        EnabledSslProtocols = _protocols,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = ValidateClient,
    };

    /// <summary>
    /// A client certificate, when sent, must chain to the trust store (and only to it); none is fine unless
    /// ssl.client.auth=required.
    /// </summary>
    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
            return ClientAuth != ClientAuth.Required;
        return _trusted.Count > 0 && SslStores.ChainsTo(_trusted, certificate, chain);
    }
}
