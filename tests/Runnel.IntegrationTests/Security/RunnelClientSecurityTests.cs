using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.Client.Consumer;
using Runnel.Client.Producer;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Net.Security;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// Runnel's own client and CLI over each secure listener, configured with Kafka's client keys in a
/// --command-config file; wrong passwords and untrusted brokers are refused with Kafka's errors.
/// </summary>
public sealed class RunnelClientSecurityTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public void Dispose() => _certificates.Dispose();

    /// <summary>A client.properties as Kafka's tools read it.</summary>
    private string ClientProperties(string protocol, string? mechanism, bool clientCertificate = false, string password = SecureListeners.Password,
        string? caPath = null)
    {
        var lines = new List<string> { $"security.protocol={protocol}" };
        if (protocol.EndsWith("SSL", StringComparison.Ordinal))
        {
            lines.Add("ssl.truststore.type=PEM");
            lines.Add($"ssl.truststore.location={caPath ?? _certificates.CaPath}");
        }
        if (clientCertificate)
        {
            // librdkafka's spelling; the Java spelling (ssl.keystore.*) is covered by the cluster test's brokers.
            lines.Add($"ssl.certificate.location={_certificates.ClientCertificatePath}");
            lines.Add($"ssl.key.location={_certificates.ClientKeyPath}");
        }
        if (mechanism is not null)
        {
            var module = mechanism == "PLAIN" ? "org.apache.kafka.common.security.plain.PlainLoginModule" : "org.apache.kafka.common.security.scram.ScramLoginModule";
            lines.Add($"sasl.mechanism={mechanism}");
            lines.Add($"sasl.jaas.config={module} required username=\"{SecureListeners.User}\" password=\"{password}\";");
        }
        var path = Path.Combine(_certificates.Directory, $"client-{Guid.NewGuid():N}.properties");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static ConnectionSecurity SecurityOf(string propertiesPath)
    {
        var settings = File.ReadAllLines(propertiesPath).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return ConnectionSecurity.FromClientProperties(settings.GetValueOrDefault, (key, message) => new ArgumentException($"{key}: {message}"));
    }

    [Theory]
    [InlineData("SSL", null, true)]
    [InlineData("SASL_PLAINTEXT", "PLAIN", false)]
    [InlineData("SASL_PLAINTEXT", "SCRAM-SHA-512", false)]
    [InlineData("SASL_SSL", "SCRAM-SHA-256", false)]
    [InlineData("SASL_SSL", "PLAIN", true)]
    public async Task The_cli_and_client_produce_consume_and_administer_over_a_secure_listener(string protocol, string? mechanism, bool mutualTls)
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, protocol, mutualTls));
        var config = ClientProperties(protocol, mechanism, clientCertificate: mutualTls);

        var created = await RunnelCli.RunAsync("topic", "create", "secured", "--partitions", "2", "--bootstrap-server", broker.Bootstrap, "--command-config", config);
        Assert.True(created.ExitCode == 0, ExternalProcess.Describe(created));
        var produced = await RunnelCli.RunWithInputAsync("one\ntwo\nthree\n", "produce", "--topic", "secured", "--bootstrap-server", broker.Bootstrap,
            "--producer.config", config);
        Assert.True(produced.ExitCode == 0, ExternalProcess.Describe(produced));
        var consumed = await RunnelCli.RunAsync("consume", "--topic", "secured", "--from-beginning", "--exit-at-end", "--format", "%v\\n",
            "--bootstrap-server", broker.Bootstrap, "--consumer.config", config);
        Assert.True(consumed.ExitCode == 0, ExternalProcess.Describe(consumed));
        Assert.Equal(["one", "three", "two"], consumed.Lines.Where(l => l.Length > 0).Order(StringComparer.Ordinal));

        var security = SecurityOf(config);
        await using (var producer = new RunnelProducer(new ProducerOptions { BootstrapServers = broker.Bootstrap, Security = security }))
        {
            for (var i = 0; i < 10; i++)
                await producer.ProduceAsync(new ProducerRecord("secured", System.Text.Encoding.UTF8.GetBytes($"c{i}")) { Partition = 0 });
        }
        await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = broker.Bootstrap, Security = security });
        var topic = (await admin.DescribeTopicsAsync(["secured"])).Single();
        Assert.Equal(13, topic.Partitions.Sum(p => p.LatestOffset));
        await using var consumer = new RunnelConsumer(new ConsumerOptions { BootstrapServers = broker.Bootstrap, Security = security });
        await consumer.AssignAllPartitionsAsync("secured");
        await consumer.SeekToBeginningAsync();
        var values = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (values.Count < 13)
        {
            foreach (var record in await consumer.PollAsync(TimeSpan.FromSeconds(1), timeout.Token))
                values.Add(System.Text.Encoding.UTF8.GetString(record.Value!));
        }
        Assert.Equal(13, values.Distinct().Count());
    }

    [Theory]
    [InlineData("SASL_PLAINTEXT", "PLAIN")]
    [InlineData("SASL_SSL", "SCRAM-SHA-512")]
    public async Task A_wrong_password_is_refused_with_SASL_AUTHENTICATION_FAILED(string protocol, string mechanism)
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, protocol));
        var config = ClientProperties(protocol, mechanism, password: "pw-Zq81x");
        var listed = await RunnelCli.RunAsync("topic", "list", "--bootstrap-server", broker.Bootstrap, "--command-config", config);
        Assert.NotEqual(0, listed.ExitCode);
        Assert.Contains("SASL_AUTHENTICATION_FAILED", listed.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-Zq81x", listed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_whose_certificate_the_client_does_not_trust_is_refused()
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, "SSL"));
        using var other = TestCertificates.Create();
        var config = ClientProperties("SSL", null, caPath: other.CaPath);
        var listed = await RunnelCli.RunAsync("topic", "list", "--bootstrap-server", broker.Bootstrap, "--command-config", config);
        Assert.NotEqual(0, listed.ExitCode);
        Assert.Contains("TLS handshake", listed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mutual_TLS_listener_refuses_a_client_without_a_certificate()
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, "SSL", mutualTls: true));
        var listed = await RunnelCli.RunAsync("topic", "list", "--bootstrap-server", broker.Bootstrap, "--command-config", ClientProperties("SSL", null));
        Assert.NotEqual(0, listed.ExitCode);
    }

    [Theory]
    [InlineData("RULE:^CN=(.*?),OU=(.*?),O=.*$/$1@$2/L,DEFAULT", "User:runnel-client@tests")]
    [InlineData("RULE:^CN=nobody,.*$/x/", null)]
    public async Task Certificate_names_become_principals_by_ssl_principal_mapping_rules(string rules, string? principal)
    {
        var settings = SecureListeners.Settings(_certificates, "SSL", mutualTls: true);
        settings["listener.name.ssl.ssl.principal.mapping.rules"] = rules;
        await using var broker = await BrokerFixture.StartAsync(settings);
        var listed = await RunnelCli.RunAsync("topic", "list", "--bootstrap-server", broker.Bootstrap, "--command-config",
            ClientProperties("SSL", null, clientCertificate: true));
        if (principal is null)
        {
            // No rule applies: the connection is refused as a failed authentication.
            Assert.NotEqual(0, listed.ExitCode);
            return;
        }
        Assert.True(listed.ExitCode == 0, ExternalProcess.Describe(listed));
        await using var admin = new RunnelAdminClient(new ClientOptions
        {
            BootstrapServers = broker.Bootstrap,
            Security = SecurityOf(ClientProperties("SSL", null, clientCertificate: true)),
        });
        await admin.ListTopicsAsync();
        Assert.Contains(broker.Broker.Connections, c => c.Principal == principal);
    }
}
