using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Runnel.Broker.Configuration;

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
        var leaf = LoadKeyStore(config, listener, Get);
        var chain = new X509Certificate2Collection(LoadChainExtras(Get, leaf).ToArray());
        var trusted = LoadTrustStore(config, listener, Get);
        var clientAuth = Get(SecurityConfigs.ClientAuth)!.ToLowerInvariant() switch
        {
            "required" => ClientAuth.Required,
            "requested" => ClientAuth.Requested,
            _ => ClientAuth.None,
        };
        if (clientAuth != ClientAuth.None && trusted.Count == 0)
            throw new ConfigException(BrokerConfig.ListenerKey(listener, SecurityConfigs.TruststoreLocation),
                $"ssl.client.auth={clientAuth.ToString().ToLowerInvariant()} needs a trust store with the CAs of client certificates");
        var protocols = SslProtocols.None;
        // The versions are those ssl.enabled.protocols names; its allowed values are TLSv1.2 and TLSv1.3 only.
#pragma warning disable CA5397
        foreach (var name in ConfigDefinition.SplitList(Get(SecurityConfigs.EnabledProtocols)!))
            protocols |= name.Equals("TLSv1.3", StringComparison.OrdinalIgnoreCase) ? SslProtocols.Tls13 : SslProtocols.Tls12;
#pragma warning restore CA5397
        if (protocols == SslProtocols.None)
            throw new ConfigException(SecurityConfigs.EnabledProtocols, "needs TLSv1.2, TLSv1.3 or both");
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
        if (_trusted.Count == 0)
            return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainPolicy.ExtraStore)
                custom.ChainPolicy.ExtraStore.Add(element);
        }
        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    private static X509Certificate2 LoadKeyStore(BrokerConfig config, string listener, Func<string, string?> get)
    {
        var type = get(SecurityConfigs.KeystoreType)!.ToUpperInvariant();
        var location = get(SecurityConfigs.KeystoreLocation);
        var inlineChain = get(SecurityConfigs.KeystoreCertificateChain);
        var inlineKey = get(SecurityConfigs.KeystoreKey);
        var keyPassword = get(SecurityConfigs.KeyPassword);
        var locationKey = BrokerConfig.ListenerKey(listener, SecurityConfigs.KeystoreLocation);
        try
        {
            switch (type)
            {
                case "PEM" when inlineChain is not null || inlineKey is not null:
                    if (location is not null)
                        throw new ConfigException(locationKey, "set either ssl.keystore.location or ssl.keystore.certificate.chain with ssl.keystore.key, not both");
                    if (inlineChain is null || inlineKey is null)
                        throw new ConfigException(BrokerConfig.ListenerKey(listener, SecurityConfigs.KeystoreKey), "an inline PEM key store needs both ssl.keystore.certificate.chain and ssl.keystore.key");
                    return Usable(keyPassword is null ? X509Certificate2.CreateFromPem(inlineChain, inlineKey) : X509Certificate2.CreateFromEncryptedPem(inlineChain, inlineKey, keyPassword));
                case "PEM":
                    if (location is null)
                        throw new ConfigException(locationKey, "a TLS listener needs a key store: ssl.keystore.location, or ssl.keystore.certificate.chain and ssl.keystore.key");
                    return Usable(keyPassword is null ? X509Certificate2.CreateFromPemFile(location) : X509Certificate2.CreateFromEncryptedPemFile(location, keyPassword));
                case "PKCS12":
                    if (location is null)
                        throw new ConfigException(locationKey, "a PKCS12 key store needs ssl.keystore.location");
                    return Usable(X509CertificateLoader.LoadPkcs12FromFile(location, get(SecurityConfigs.KeystorePassword)));
                default:
                    throw new ConfigException(BrokerConfig.ListenerKey(listener, SecurityConfigs.KeystoreType), $"{type} key stores are not supported; use PEM or PKCS12");
            }
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ConfigException(locationKey, $"the key store could not be loaded: {e.Message}");
        }
    }

    /// <summary>Certificates after the first in a PEM chain, sent to clients so they can build the path.</summary>
    private static List<X509Certificate2> LoadChainExtras(Func<string, string?> get, X509Certificate2 leaf)
    {
        if (!get(SecurityConfigs.KeystoreType)!.Equals("PEM", StringComparison.OrdinalIgnoreCase))
            return [];
        var pem = get(SecurityConfigs.KeystoreCertificateChain) ?? File.ReadAllText(get(SecurityConfigs.KeystoreLocation)!);
        var all = new X509Certificate2Collection();
        all.ImportFromPem(pem);
        return all.Where(c => c.Thumbprint != leaf.Thumbprint).ToList();
    }

    private static X509Certificate2Collection LoadTrustStore(BrokerConfig config, string listener, Func<string, string?> get)
    {
        var type = get(SecurityConfigs.TruststoreType)!.ToUpperInvariant();
        var location = get(SecurityConfigs.TruststoreLocation);
        var inline = get(SecurityConfigs.TruststoreCertificates);
        var trusted = new X509Certificate2Collection();
        if (location is null && inline is null)
            return trusted;
        var key = BrokerConfig.ListenerKey(listener, SecurityConfigs.TruststoreLocation);
        try
        {
            switch (type)
            {
                case "PEM":
                    trusted.ImportFromPem(inline ?? File.ReadAllText(location!));
                    break;
                case "PKCS12" when location is not null:
                    trusted.AddRange(X509CertificateLoader.LoadPkcs12CollectionFromFile(location, get(SecurityConfigs.TruststorePassword)));
                    break;
                default:
                    throw new ConfigException(BrokerConfig.ListenerKey(listener, SecurityConfigs.TruststoreType), $"{type} trust stores are not supported; use PEM or PKCS12");
            }
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(key, $"the trust store could not be loaded: {e.Message}");
        }
        if (trusted.Count == 0)
            throw new ConfigException(key, "the trust store holds no certificates");
        return trusted;
    }

    /// <summary>
    /// Keys loaded from PEM are ephemeral; a PKCS12 round trip gives SslStream a key it can use on every platform.
    /// </summary>
    private static X509Certificate2 Usable(X509Certificate2 certificate)
    {
        if (!certificate.HasPrivateKey)
            throw new CryptographicException("the key store has no private key for its certificate");
        using (certificate)
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
