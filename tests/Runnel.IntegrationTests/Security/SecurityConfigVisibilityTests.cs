using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// A secured broker's security settings are visible to DescribeConfigs, listener-prefixed ones included, with every
/// secret (key password, JAAS config) null and marked sensitive; no secret appears in the broker's log.
/// </summary>
public sealed class SecurityConfigVisibilityTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public SecurityConfigVisibilityTests() => KafkaNative.EnsureLoaded();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task DescribeConfigs_shows_security_settings_with_secrets_masked_and_the_log_holds_no_secret()
    {
        var port = BrokerProcess.FreePort();
        var settings = SecureListeners.Settings(_certificates, "SASL_SSL");
        settings["listeners"] = $"SASL_SSL://127.0.0.1:{port}";
        settings["advertised.listeners"] = $"SASL_SSL://127.0.0.1:{port}";
        await using var broker = await BrokerProcess.StartAsync(port: port, overrides: settings);
        using var admin = new AdminClientBuilder(new AdminClientConfig
        {
            BootstrapServers = broker.Bootstrap,
            SecurityProtocol = SecurityProtocol.SaslSsl,
            SslCaLocation = _certificates.CaPath,
            SaslMechanism = SaslMechanism.ScramSha256,
            SaslUsername = SecureListeners.User,
            SaslPassword = SecureListeners.Password,
        }).Build();
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Broker, Name = "1" }]);
        var entries = described.Single().Entries;

        Assert.Equal(_certificates.ServerKeystorePath, entries["ssl.keystore.location"].Value);
        Assert.False(entries["ssl.keystore.location"].IsSensitive);
        Assert.True(entries["ssl.key.password"].IsSensitive);
        Assert.Null(entries["ssl.key.password"].Value);
        var jaas = entries["listener.name.sasl_ssl.plain.sasl.jaas.config"];
        Assert.True(jaas.IsSensitive);
        Assert.Null(jaas.Value);
        Assert.Equal("PLAIN,SCRAM-SHA-256,SCRAM-SHA-512", entries["listener.name.sasl_ssl.sasl.enabled.mechanisms"].Value);
        Assert.All(entries.Values, e => Assert.DoesNotContain(SecureListeners.Password, e.Value ?? "", StringComparison.Ordinal));

        // A failed login too is logged without what was sent.
        using (var bad = new AdminClientBuilder(new AdminClientConfig
        {
            BootstrapServers = broker.Bootstrap,
            SecurityProtocol = SecurityProtocol.SaslSsl,
            SslCaLocation = _certificates.CaPath,
            SaslMechanism = SaslMechanism.Plain,
            SaslUsername = SecureListeners.User,
            SaslPassword = "guess-Kq7",
        }).Build())
        {
            Assert.ThrowsAny<KafkaException>(() => bad.GetMetadata(TimeSpan.FromSeconds(5)));
        }
        Assert.Contains(broker.Output, l => l.Contains("Failed authentication", StringComparison.Ordinal));
        Assert.DoesNotContain(broker.Output, l => l.Contains(SecureListeners.Password, StringComparison.Ordinal)
            || l.Contains(TestCertificates.ServerKeyPassword, StringComparison.Ordinal) || l.Contains("guess-Kq7", StringComparison.Ordinal));
    }
}
