using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Runnel.Net.Security;

/// <summary>
/// The client side of TLS, as Kafka's clients configure it: the CAs the server's certificate must chain to (the
/// system's when <see cref="Trusted"/> is empty), an optional certificate of our own for mutual TLS, whether the
/// server's name must match its certificate (ssl.endpoint.identification.algorithm=https, Kafka's default) and the
/// TLS versions offered.
/// </summary>
public sealed record TlsClientSettings
{
    public X509Certificate2Collection Trusted { get; init; } = [];

    public X509Certificate2? Certificate { get; init; }

    /// <summary>Intermediates sent after <see cref="Certificate"/>.</summary>
    public X509Certificate2Collection CertificateChain { get; init; } = [];

    public bool VerifyHostname { get; init; } = true;

#pragma warning disable CA5397 // TLS 1.2 is one of the two versions Kafka allows.
    public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;
#pragma warning restore CA5397

    /// <summary>
    /// Reads Kafka's client keys through <paramref name="get"/>: the ssl.truststore.* and ssl.keystore.* stores
    /// (<see cref="SslStores"/>), librdkafka's ssl.ca.location, ssl.certificate.location and ssl.key.location (PEM
    /// files; ssl.key.password), ssl.endpoint.identification.algorithm (https or empty) and ssl.enabled.protocols.
    /// </summary>
    public static TlsClientSettings Load(Func<string, string?> get, Func<string, string, Exception> fail)
    {
        ArgumentNullException.ThrowIfNull(get);
        ArgumentNullException.ThrowIfNull(fail);
        var trusted = SslStores.LoadTrustStore(get, fail);
        if (trusted.Count == 0 && get("ssl.ca.location") is { } caFile)
            trusted = SslStores.LoadTrustStore(k => k == SslStores.TruststoreLocation ? caFile : k == SslStores.TruststoreType ? "PEM" : null, (_, m) => fail("ssl.ca.location", m));
        X509Certificate2? certificate = null;
        var chain = new X509Certificate2Collection();
        if (SslStores.HasKeyStore(get))
        {
            certificate = SslStores.LoadKeyStore(get, fail);
            chain = SslStores.ChainExtras(get, certificate);
        }
        else if (get("ssl.certificate.location") is { } certificateFile)
        {
            var chainPem = File.Exists(certificateFile) ? File.ReadAllText(certificateFile) : throw fail("ssl.certificate.location", "the file does not exist");
            var keyFile = get("ssl.key.location") ?? throw fail("ssl.key.location", "ssl.certificate.location needs ssl.key.location");
            var keyPem = File.Exists(keyFile) ? File.ReadAllText(keyFile) : throw fail("ssl.key.location", "the file does not exist");
            string? Inline(string key) => key switch
            {
                SslStores.KeystoreType => "PEM",
                SslStores.KeystoreCertificateChain => chainPem,
                SslStores.KeystoreKey => keyPem,
                SslStores.KeyPassword => get(SslStores.KeyPassword),
                _ => null,
            };
            certificate = SslStores.LoadKeyStore(Inline, fail);
            chain = SslStores.ChainExtras(Inline, certificate);
        }
        var algorithm = get("ssl.endpoint.identification.algorithm") ?? "https";
        if (algorithm.Length > 0 && !algorithm.Equals("https", StringComparison.OrdinalIgnoreCase))
            throw fail("ssl.endpoint.identification.algorithm", $"'{algorithm}' is not supported; use https or an empty value");
        var protocols = SslStores.EnabledProtocols(get("ssl.enabled.protocols")) ?? throw fail("ssl.enabled.protocols", "needs TLSv1.2, TLSv1.3 or both");
        return new TlsClientSettings
        {
            Trusted = trusted,
            Certificate = certificate,
            CertificateChain = chain,
            VerifyHostname = algorithm.Length > 0,
            Protocols = protocols,
        };
    }

    /// <summary>SslStream's options for a connection to <paramref name="host"/>.</summary>
    public SslClientAuthenticationOptions ClientOptions(string host)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            EnabledSslProtocols = Protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = Validate,
        };
        if (Certificate is not null)
            options.ClientCertificateContext = SslStreamCertificateContext.Create(Certificate, CertificateChain, offline: true);
        return options;
    }

    /// <summary>
    /// The server's certificate must chain to <see cref="Trusted"/> (or the system's roots) and, when
    /// <see cref="VerifyHostname"/> is on, name the host we connected to.
    /// </summary>
    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return false;
        if (VerifyHostname && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return false;
        if (Trusted.Count == 0)
            return !errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors);
        return SslStores.ChainsTo(Trusted, certificate, chain);
    }
}
