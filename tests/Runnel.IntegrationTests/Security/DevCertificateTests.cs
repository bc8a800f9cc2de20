using Runnel.Broker.Configuration;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// `runnel cert dev` in one step: a broker started from its broker.properties serves TLS with client certificates;
/// kcat with its librdkafka files and `runnel` with its client.properties produce and read back.
/// </summary>
public sealed class DevCertificateTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "runnel-devcerts-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Certificates_from_cert_dev_secure_a_broker_for_kcat_and_the_cli()
    {
        var sslPort = BrokerProcess.FreePort();
        var made = await RunnelCli.RunAsync("cert", "dev", "--dir", _directory, "--ssl-port", sslPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(made.ExitCode == 0, ExternalProcess.Describe(made));
        Assert.Contains("runnel server", made.Stdout, StringComparison.Ordinal);
        var again = await RunnelCli.RunAsync("cert", "dev", "--dir", _directory);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("--force", again.Stderr, StringComparison.Ordinal);

        // The broker's settings exactly as broker.properties has them, on a free plaintext port.
        var settings = PropertiesFile.Parse(await File.ReadAllTextAsync(Path.Combine(_directory, "broker.properties")))
            .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        var plainPort = BrokerProcess.FreePort();
        settings["listeners"] = settings["listeners"].Replace("localhost:9092", $"127.0.0.1:{plainPort}", StringComparison.Ordinal);
        settings["advertised.listeners"] = settings["advertised.listeners"].Replace("localhost:9092", $"127.0.0.1:{plainPort}", StringComparison.Ordinal);
        await using var broker = await BrokerProcess.StartAsync(port: plainPort, overrides: settings);

        var tlsBootstrap = $"localhost:{sslPort}";
        string[] kcat = ["-b", tlsBootstrap, "-X", "security.protocol=SSL", "-X", $"ssl.ca.location={Path.Combine(_directory, "ca.pem")}",
            "-X", $"ssl.certificate.location={Path.Combine(_directory, "client.pem")}", "-X", $"ssl.key.location={Path.Combine(_directory, "client.key")}"];
        var produce = await ExternalProcess.RunAsync("kcat", [.. kcat, "-t", "dev-tls", "-P"], "a\nb\nc\n", TimeSpan.FromSeconds(60));
        Assert.True(produce.ExitCode == 0, ExternalProcess.Describe(produce));

        var consumed = await RunnelCli.RunAsync("consume", "--topic", "dev-tls", "--from-beginning", "--exit-at-end", "--format", "%v\\n",
            "--bootstrap-server", tlsBootstrap, "--consumer.config", Path.Combine(_directory, "client.properties"));
        Assert.True(consumed.ExitCode == 0, ExternalProcess.Describe(consumed));
        Assert.Equal(["a", "b", "c"], consumed.Lines);

        // Without the client certificate the TLS listener (ssl.client.auth=required) serves nothing.
        var anonymous = await ExternalProcess.RunAsync("kcat",
            ["-b", tlsBootstrap, "-X", "security.protocol=SSL", "-X", $"ssl.ca.location={Path.Combine(_directory, "ca.pem")}", "-L", "-m", "5"],
            timeout: TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, anonymous.ExitCode);
    }
}
