using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Runnel.Cli.Certificates;

/// <summary>
/// A local certificate authority with one broker and one client certificate, for trying TLS: ECDSA P-256 keys, the
/// broker's certificate valid for the given host names and addresses (server and client use, so brokers can also
/// present it to each other), the client's for client use with the subject CN=runnel-client. Written as PEM: the
/// broker's key, certificate and CA in one file (ssl.keystore.type=PEM), the client's both as a Java-style key store
/// file and as librdkafka's separate certificate and key files. Keys are not encrypted: these are for development.
/// </summary>
internal static class DevCertificates
{
    public const string ClientSubject = "CN=runnel-client";

    /// <summary>The files <see cref="Write"/> creates, relative to its directory.</summary>
    public static IReadOnlyList<string> Files { get; } =
        ["ca.pem", "ca.key", "broker.pem", "client.pem", "client.key", "client-keystore.pem", "broker.properties", "client.properties"];

    public static void Write(string directory, IReadOnlyList<string> hosts, int days, int sslPort)
    {
        Directory.CreateDirectory(directory);
        var from = DateTimeOffset.UtcNow.AddMinutes(-5);
        var until = from.AddDays(days);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Runnel development CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(from, until.AddDays(1));
        var caPem = ca.ExportCertificatePem();

        var san = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            if (IPAddress.TryParse(host, out var address))
                san.AddIpAddress(address);
            else
                san.AddDnsName(host);
        }
        using var brokerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var broker = Issue(ca, caKey, "CN=" + hosts[0], brokerKey, san, serverAndClient: true, from, until);
        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = Issue(ca, caKey, ClientSubject, clientKey, null, serverAndClient: false, from, until);

        string Path(string name) => System.IO.Path.Combine(directory, name);
        WriteFile(Path("ca.pem"), caPem, secret: false);
        WriteFile(Path("ca.key"), caKey.ExportPkcs8PrivateKeyPem(), secret: true);
        WriteFile(Path("broker.pem"), $"{brokerKey.ExportPkcs8PrivateKeyPem()}\n{broker.ExportCertificatePem()}\n{caPem}\n", secret: true);
        WriteFile(Path("client.pem"), client.ExportCertificatePem() + "\n", secret: false);
        WriteFile(Path("client.key"), clientKey.ExportPkcs8PrivateKeyPem() + "\n", secret: true);
        WriteFile(Path("client-keystore.pem"), $"{clientKey.ExportPkcs8PrivateKeyPem()}\n{client.ExportCertificatePem()}\n", secret: true);
        var full = System.IO.Path.GetFullPath(directory);
        WriteFile(Path("broker.properties"), string.Join('\n',
            "# A single node with a plaintext listener on 9092 and a TLS listener that requires client certificates.",
            $"listeners=PLAINTEXT://localhost:9092,SSL://{hosts[0]}:{sslPort}",
            $"advertised.listeners=PLAINTEXT://localhost:9092,SSL://{hosts[0]}:{sslPort}",
            "ssl.keystore.type=PEM",
            $"ssl.keystore.location={System.IO.Path.Combine(full, "broker.pem")}",
            "ssl.truststore.type=PEM",
            $"ssl.truststore.location={System.IO.Path.Combine(full, "ca.pem")}",
            "ssl.client.auth=required",
            ""), secret: false);
        WriteFile(Path("client.properties"), string.Join('\n',
            "# For Kafka's tools and runnel's --command-config; librdkafka and kcat take ssl.ca.location, ssl.certificate.location and ssl.key.location.",
            "security.protocol=SSL",
            "ssl.truststore.type=PEM",
            $"ssl.truststore.location={System.IO.Path.Combine(full, "ca.pem")}",
            "ssl.keystore.type=PEM",
            $"ssl.keystore.location={System.IO.Path.Combine(full, "client-keystore.pem")}",
            ""), secret: false);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, ECDsa caKey, string subject, ECDsa key, SubjectAlternativeNameBuilder? san, bool serverAndClient,
        DateTimeOffset from, DateTimeOffset until)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        var usages = new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") };
        if (serverAndClient)
            usages.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (san is not null)
            request.CertificateExtensions.Add(san.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), from, until, serial);
        return signed.CopyWithPrivateKey(key);
    }

    private static void WriteFile(string path, string text, bool secret)
    {
        File.WriteAllText(path, text, new UTF8Encoding(false));
        if (secret && !OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
