using Runnel.IntegrationTests.Fixtures;
using Runnel.IntegrationTests.KafkaPython;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// kafka-python 2.0.2 and KafkaJS 2.2.4 over SSL (server auth and mutual TLS), SASL_PLAINTEXT and SASL_SSL with PLAIN
/// and both SCRAM variants: admin, produce and a group consume; a wrong password is refused.
/// </summary>
public sealed class ScriptClientSecurityTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public void Dispose() => _certificates.Dispose();

    private string[] Arguments(string bootstrap, string topic, string protocol, string? mechanism, bool mutualTls, string password = SecureListeners.Password)
        => [bootstrap, topic, protocol, mechanism ?? "-", _certificates.CaPath, mutualTls ? _certificates.ClientCertificatePath : "-",
            mutualTls ? _certificates.ClientKeyPath : "-", SecureListeners.User, password];

    public static TheoryData<string, string?, bool> Listeners => new()
    {
        { "SSL", null, false },
        { "SSL", null, true },
        { "SASL_PLAINTEXT", "PLAIN", false },
        { "SASL_PLAINTEXT", "SCRAM-SHA-256", false },
        { "SASL_SSL", "SCRAM-SHA-512", false },
        { "SASL_SSL", "PLAIN", true },
    };

    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task Kafka_python_administers_produces_and_consumes_in_a_group(string protocol, string? mechanism, bool mutualTls)
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, protocol, mutualTls));
        var result = await Python.RunAsync("secure_roundtrip.py", Arguments(broker.Bootstrap, "py-secure", protocol, mechanism, mutualTls));
        Assert.Equal(["created", "produced 50", "consumed 50"], result.Lines);
    }

    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task KafkaJS_administers_produces_and_consumes_in_a_group(string protocol, string? mechanism, bool mutualTls)
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, protocol, mutualTls));
        var result = await Node.RunAsync("secure_roundtrip.js", Arguments(broker.Bootstrap, "js-secure", protocol, mechanism, mutualTls));
        Assert.Equal(["created", "produced 50", "consumed 50"], result.Lines);
    }

    [Theory]
    [InlineData("SASL_PLAINTEXT", "PLAIN")]
    [InlineData("SASL_SSL", "SCRAM-SHA-256")]
    public async Task A_wrong_password_is_refused(string protocol, string mechanism)
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, protocol));
        var python = await Python.RunAsync("secure_roundtrip.py", Arguments(broker.Bootstrap, "py-refused", protocol, mechanism, false, "not-it"));
        Assert.Equal(["refused NoBrokersAvailable"], python.Lines);
        var js = await Node.RunAsync("secure_roundtrip.js", Arguments(broker.Bootstrap, "js-refused", protocol, mechanism, false, "not-it"));
        Assert.Equal(["refused KafkaJSSASLAuthenticationError"], js.Lines);
    }
}
