using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Runnel.IntegrationTests.Fixtures;

/// <summary>
/// A throwaway CA with a broker certificate (for 127.0.0.1 and localhost) and a client certificate, written as PEM
/// files into a temporary directory. Made with CertificateRequest, so no key is checked in and no openssl is needed.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string ServerKeyPassword = "server-key-pass";
    public const string ClientSubject = "CN=runnel-client,OU=Tests,O=Runnel";

    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>The CA certificate clients and the broker trust.</summary>
    public string CaPath => Path.Combine(Directory, "ca.pem");

    /// <summary>The broker's encrypted private key (ServerKeyPassword), its certificate and the CA, in one file.</summary>
    public string ServerKeystorePath => Path.Combine(Directory, "server.pem");

    public string ClientCertificatePath => Path.Combine(Directory, "client.pem");

    public string ClientKeyPath => Path.Combine(Directory, "client.key");

    /// <summary>A client certificate with the same subject from a CA the broker does not trust.</summary>
    public string RogueCertificatePath => Path.Combine(Directory, "rogue.pem");

    public string RogueKeyPath => Path.Combine(Directory, "rogue.key");

    public static TestCertificates Create()
    {
        var directory = Path.Combine(Path.GetTempPath(), "runnel-certs-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var certificates = new TestCertificates(directory);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = SelfSignedCa("CN=Runnel Test CA", caKey);
        File.WriteAllText(certificates.CaPath, ca.ExportCertificatePem());

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        using var server = Issue(ca, caKey, "CN=localhost", serverKey, san, serverAuth: true);
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000);
        File.WriteAllText(certificates.ServerKeystorePath, new StringBuilder()
            .AppendLine(serverKey.ExportEncryptedPkcs8PrivateKeyPem(ServerKeyPassword, pbe))
            .AppendLine(server.ExportCertificatePem())
            .AppendLine(ca.ExportCertificatePem()).ToString());

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = Issue(ca, caKey, ClientSubjectEncoded, clientKey, null, serverAuth: false);
        File.WriteAllText(certificates.ClientCertificatePath, client.ExportCertificatePem());
        File.WriteAllText(certificates.ClientKeyPath, clientKey.ExportPkcs8PrivateKeyPem());

        using var rogueCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rogueCa = SelfSignedCa("CN=Runnel Test CA", rogueCaKey);
        using var rogueKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rogue = Issue(rogueCa, rogueCaKey, ClientSubjectEncoded, rogueKey, null, serverAuth: false);
        File.WriteAllText(certificates.RogueCertificatePath, rogue.ExportCertificatePem());
        File.WriteAllText(certificates.RogueKeyPath, rogueKey.ExportPkcs8PrivateKeyPem());
        return certificates;
    }

    /// <summary>The client subject encoded O, OU, CN (least specific first), whose RFC 2253 form is ClientSubject.</summary>
    private static X500DistinguishedName ClientSubjectEncoded
    {
        get
        {
            // The builder encodes the last name added first.
            var builder = new X500DistinguishedNameBuilder();
            builder.AddCommonName("runnel-client");
            builder.AddOrganizationalUnitName("Tests");
            builder.AddOrganizationName("Runnel");
            return builder.Build();
        }
    }

    private static X509Certificate2 SelfSignedCa(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, ECDsa caKey, string subject, ECDsa key, SubjectAlternativeNameBuilder? san, bool serverAuth)
        => Issue(ca, caKey, new X500DistinguishedName(subject), key, san, serverAuth);

    private static X509Certificate2 Issue(X509Certificate2 ca, ECDsa caKey, X500DistinguishedName subject, ECDsa key, SubjectAlternativeNameBuilder? san, bool serverAuth)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        // A broker's certificate also serves as its client certificate towards other brokers and controllers.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            serverAuth ? [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")] : [new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (san is not null)
            request.CertificateExtensions.Add(san.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddDays(-1),
            DateTimeOffset.UtcNow.AddDays(30), serial);
        return signed.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
