using System.Globalization;
using System.Net;
using Runnel.Cli.Certificates;
using Runnel.Cli.Parsing;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel cert dev [--dir DIR] [--host NAME]... [--days N] [--ssl-port P] [--force]</c>: makes a local CA and broker and
/// client certificates (<see cref="DevCertificates"/>) with a broker.properties and a client.properties that use them,
/// for trying TLS in one step. Refuses to overwrite existing files without --force.
/// </summary>
internal sealed class CertCommand : CliCommand
{
    private static readonly OptionSpec DirectoryOption = OptionSpec.Value("dir", "path", "where to write the files (default ./runnel-certs)");
    private static readonly OptionSpec Host = OptionSpec.Many("host", "name", "a host name or address the broker certificate is valid for (repeatable; localhost, 127.0.0.1, ::1 and this machine's name are always in)");
    private static readonly OptionSpec Days = OptionSpec.Value("days", "n", "validity in days (default 365)");
    private static readonly OptionSpec SslPort = OptionSpec.Value("ssl-port", "port", "the TLS listener's port in broker.properties (default 9093)");
    private static readonly OptionSpec Force = OptionSpec.Flag("force", "overwrite files from an earlier run");

    public override string Name => "cert";

    public override string Summary => "make development TLS certificates (a local CA, a broker and a client)";

    public override string Synopsis => "Usage: runnel cert dev [--dir <path>] [--host <name>]... [--days <n>] [--ssl-port <port>] [--force]";

    public override IReadOnlyList<OptionSpec> Options { get; } = [DirectoryOption, Host, Days, SslPort, Force, Help];

    public override int MaxPositionals => 1;

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        if (args.Positionals is not ["dev"])
            throw new UsageException("Say what to make: runnel cert dev.");
        var directory = args.Get(DirectoryOption.Name) ?? "runnel-certs";
        var days = args.GetInt(Days.Name) ?? 365;
        if (days < 1)
            throw new UsageException("--days must be at least 1.");
        var sslPort = args.GetInt(SslPort.Name) ?? 9093;
        if (sslPort is < 1 or > 65535)
            throw new UsageException("--ssl-port must be between 1 and 65535.");
        var existing = DevCertificates.Files.Where(f => File.Exists(Path.Combine(directory, f))).ToList();
        if (existing.Count > 0 && !args.Has(Force.Name))
            throw new UsageException($"{Path.Combine(directory, existing[0])} exists; pass --force to replace the files in {directory}.");
        var hosts = new List<string>(args.GetAll(Host.Name));
        foreach (var host in new[] { "localhost", "127.0.0.1", "::1", Dns.GetHostName() })
        {
            if (!hosts.Contains(host, StringComparer.OrdinalIgnoreCase))
                hosts.Add(host);
        }
        DevCertificates.Write(directory, hosts, days, sslPort);
        var full = Path.GetFullPath(directory);
        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
            Wrote a development CA and certificates to {full} (valid {days} days for {string.Join(", ", hosts)}):
              ca.pem, ca.key               the CA (trust ca.pem; keep ca.key private)
              broker.pem                   the broker's key, certificate and CA (ssl.keystore.type=PEM)
              client.pem, client.key       a client certificate ({DevCertificates.ClientSubject}) for librdkafka, kcat, kafka-python, KafkaJS
              client-keystore.pem          the same key and certificate in one file (ssl.keystore.location)
              broker.properties            listeners PLAINTEXT on 9092 and SSL with client certificates on {sslPort}
              client.properties            the client settings for that SSL listener

            Start the broker:  runnel server {Path.Combine(full, "broker.properties")}
            Use it:            runnel topic list --bootstrap-server {hosts[0]}:{sslPort} --command-config {Path.Combine(full, "client.properties")}
                               kcat -b {hosts[0]}:{sslPort} -X security.protocol=SSL -X ssl.ca.location={Path.Combine(full, "ca.pem")} -X ssl.certificate.location={Path.Combine(full, "client.pem")} -X ssl.key.location={Path.Combine(full, "client.key")} -L
            """)).ConfigureAwait(false);
        return CliApp.Ok;
    }
}
