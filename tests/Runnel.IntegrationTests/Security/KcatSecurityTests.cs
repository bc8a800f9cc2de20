using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Security;

/// <summary>kcat (librdkafka 2.0.2) produces and consumes over SSL, mutual TLS, SASL_PLAINTEXT and SASL_SSL; bad credentials get nothing.</summary>
public sealed class KcatSecurityTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public void Dispose() => _certificates.Dispose();

    private List<string> ClientArgs(string bootstrap, string protocol, string? mechanism, string password = SecureListeners.Password, bool clientCertificate = false)
    {
        var args = new List<string> { "-b", bootstrap, "-X", $"security.protocol={protocol}" };
        if (protocol.EndsWith("SSL", StringComparison.Ordinal))
            args.AddRange(["-X", $"ssl.ca.location={_certificates.CaPath}"]);
        if (clientCertificate)
            args.AddRange(["-X", $"ssl.certificate.location={_certificates.ClientCertificatePath}", "-X", $"ssl.key.location={_certificates.ClientKeyPath}"]);
        if (mechanism is not null)
            args.AddRange(["-X", $"sasl.mechanisms={mechanism}", "-X", $"sasl.username={SecureListeners.User}", "-X", $"sasl.password={password}"]);
        return args;
    }

    [Theory]
    [InlineData("SSL", null, false)]
    [InlineData("SSL", null, true)]
    [InlineData("SASL_PLAINTEXT", "PLAIN", false)]
    [InlineData("SASL_PLAINTEXT", "SCRAM-SHA-256", false)]
    [InlineData("SASL_SSL", "PLAIN", false)]
    [InlineData("SASL_SSL", "SCRAM-SHA-256", false)]
    [InlineData("SASL_SSL", "SCRAM-SHA-512", false)]
    public async Task Records_produced_over_the_listener_come_back(string protocol, string? mechanism, bool mutualTls)
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, protocol, mutualTls));
        const int count = 1000;
        var input = string.Concat(Enumerable.Range(0, count).Select(i => $"value-{i}\n"));
        var produce = await ExternalProcess.RunAsync("kcat",
            [.. ClientArgs(broker.Bootstrap, protocol, mechanism, clientCertificate: mutualTls), "-t", "secure", "-P", "-X", "acks=all"], input, TimeSpan.FromSeconds(60));
        Assert.True(produce.ExitCode == 0, ExternalProcess.Describe(produce));
        var consume = await ExternalProcess.RunAsync("kcat",
            [.. ClientArgs(broker.Bootstrap, protocol, mechanism, clientCertificate: mutualTls), "-t", "secure", "-C", "-e", "-o", "beginning"], timeout: TimeSpan.FromSeconds(60));
        Assert.True(consume.ExitCode == 0, ExternalProcess.Describe(consume));
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"value-{i}"), consume.Lines);
    }

    [Theory]
    [InlineData("SASL_PLAINTEXT", "PLAIN")]
    [InlineData("SASL_SSL", "SCRAM-SHA-256")]
    [InlineData("SASL_SSL", "SCRAM-SHA-512")]
    public async Task A_wrong_password_is_refused_with_SASL_AUTHENTICATION_FAILED(string protocol, string mechanism)
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, protocol));
        var metadata = await ExternalProcess.RunAsync("kcat",
            [.. ClientArgs(broker.Bootstrap, protocol, mechanism, password: "wrong"), "-L", "-m", "5"], timeout: TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, metadata.ExitCode);
        Assert.Contains("Authentication failed", metadata.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secure", metadata.Stdout, StringComparison.Ordinal);
    }
}
