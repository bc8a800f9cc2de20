using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Runnel.Net.Security;

/// <summary>
/// Key and trust stores as Kafka's ssl.* keys describe them, for both ends of a TLS connection: the key store is a
/// PEM file with key and chain, an inline PEM chain and key (ssl.keystore.certificate.chain, ssl.keystore.key), or a
/// PKCS12 file; ssl.key.password decrypts an encrypted PEM key. The trust store is a PEM file or inline PEM
/// (ssl.truststore.certificates) or a PKCS12 file. <c>get</c> resolves a key (the broker applies its listener prefix);
/// <c>fail</c> makes the exception for a key and a message that never quotes a secret.
/// </summary>
public static class SslStores
{
    public const string KeystoreType = "ssl.keystore.type";
    public const string KeystoreLocation = "ssl.keystore.location";
    public const string KeystorePassword = "ssl.keystore.password";
    public const string KeystoreCertificateChain = "ssl.keystore.certificate.chain";
    public const string KeystoreKey = "ssl.keystore.key";
    public const string KeyPassword = "ssl.key.password";
    public const string TruststoreType = "ssl.truststore.type";
    public const string TruststoreLocation = "ssl.truststore.location";
    public const string TruststorePassword = "ssl.truststore.password";
    public const string TruststoreCertificates = "ssl.truststore.certificates";

    /// <summary>True when any key store key is set.</summary>
    public static bool HasKeyStore(Func<string, string?> get)
        => get(KeystoreLocation) is not null || get(KeystoreCertificateChain) is not null || get(KeystoreKey) is not null;

    /// <summary>The certificate with its private key; a missing or unreadable store fails with <paramref name="fail"/>.</summary>
    public static X509Certificate2 LoadKeyStore(Func<string, string?> get, Func<string, string, Exception> fail)
    {
        var type = (get(KeystoreType) ?? "PEM").ToUpperInvariant();
        var location = get(KeystoreLocation);
        var inlineChain = get(KeystoreCertificateChain);
        var inlineKey = get(KeystoreKey);
        var keyPassword = get(KeyPassword);
        try
        {
            switch (type)
            {
                case "PEM" when inlineChain is not null || inlineKey is not null:
                    if (location is not null)
                        throw fail(KeystoreLocation, "set either ssl.keystore.location or ssl.keystore.certificate.chain with ssl.keystore.key, not both");
                    if (inlineChain is null || inlineKey is null)
                        throw fail(KeystoreKey, "an inline PEM key store needs both ssl.keystore.certificate.chain and ssl.keystore.key");
                    return Usable(keyPassword is null ? X509Certificate2.CreateFromPem(inlineChain, inlineKey) : X509Certificate2.CreateFromEncryptedPem(inlineChain, inlineKey, keyPassword));
                case "PEM":
                    if (location is null)
                        throw fail(KeystoreLocation, "a TLS key store needs ssl.keystore.location, or ssl.keystore.certificate.chain and ssl.keystore.key");
                    return Usable(keyPassword is null ? X509Certificate2.CreateFromPemFile(location) : X509Certificate2.CreateFromEncryptedPemFile(location, keyPassword));
                case "PKCS12":
                    if (location is null)
                        throw fail(KeystoreLocation, "a PKCS12 key store needs ssl.keystore.location");
                    return Usable(X509CertificateLoader.LoadPkcs12FromFile(location, get(KeystorePassword)));
                default:
                    throw fail(KeystoreType, $"{type} key stores are not supported; use PEM or PKCS12");
            }
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw fail(KeystoreLocation, $"the key store could not be loaded: {e.Message}");
        }
    }

    /// <summary>Certificates after the leaf in a PEM key store's chain, sent to the peer so it can build the path.</summary>
    public static X509Certificate2Collection ChainExtras(Func<string, string?> get, X509Certificate2 leaf)
    {
        var extras = new X509Certificate2Collection();
        if (!(get(KeystoreType) ?? "PEM").Equals("PEM", StringComparison.OrdinalIgnoreCase))
            return extras;
        var pem = get(KeystoreCertificateChain) ?? File.ReadAllText(get(KeystoreLocation)!);
        var all = new X509Certificate2Collection();
        all.ImportFromPem(pem);
        foreach (var certificate in all)
        {
            if (certificate.Thumbprint != leaf.Thumbprint)
                extras.Add(certificate);
        }
        return extras;
    }

    /// <summary>The trusted CA certificates; empty when no trust store is configured.</summary>
    public static X509Certificate2Collection LoadTrustStore(Func<string, string?> get, Func<string, string, Exception> fail)
    {
        var type = (get(TruststoreType) ?? "PEM").ToUpperInvariant();
        var location = get(TruststoreLocation);
        var inline = get(TruststoreCertificates);
        var trusted = new X509Certificate2Collection();
        if (location is null && inline is null)
            return trusted;
        try
        {
            switch (type)
            {
                case "PEM":
                    trusted.ImportFromPem(inline ?? File.ReadAllText(location!));
                    break;
                case "PKCS12" when location is not null:
                    trusted.AddRange(X509CertificateLoader.LoadPkcs12CollectionFromFile(location, get(TruststorePassword)));
                    break;
                default:
                    throw fail(TruststoreType, $"{type} trust stores are not supported; use PEM or PKCS12");
            }
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw fail(TruststoreLocation, $"the trust store could not be loaded: {e.Message}");
        }
        if (trusted.Count == 0)
            throw fail(TruststoreLocation, "the trust store holds no certificates");
        return trusted;
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to one of <paramref name="trusted"/> (and only to them), using
    /// the intermediates the peer sent in <paramref name="chain"/>. Revocation is not checked.
    /// </summary>
    public static bool ChainsTo(X509Certificate2Collection trusted, X509Certificate certificate, X509Chain? chain)
    {
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainPolicy.ExtraStore)
                custom.ChainPolicy.ExtraStore.Add(element);
            foreach (var element in chain.ChainElements)
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    /// <summary>
    /// The TLS versions ssl.enabled.protocols names (TLSv1.2 and TLSv1.3 are the values allowed; both when unset);
    /// null when it names neither.
    /// </summary>
    public static SslProtocols? EnabledProtocols(string? list)
    {
        var protocols = SslProtocols.None;
#pragma warning disable CA5397 // TLS 1.2 is one of the two versions Kafka allows.
        foreach (var name in (list ?? "TLSv1.2,TLSv1.3").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (name.Equals("TLSv1.3", StringComparison.OrdinalIgnoreCase))
                protocols |= SslProtocols.Tls13;
            else if (name.Equals("TLSv1.2", StringComparison.OrdinalIgnoreCase))
                protocols |= SslProtocols.Tls12;
        }
#pragma warning restore CA5397
        return protocols == SslProtocols.None ? null : protocols;
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
