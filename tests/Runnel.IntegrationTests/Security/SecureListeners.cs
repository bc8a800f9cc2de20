using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Security;

/// <summary>Broker settings for one TLS or SASL listener, spelled as in a Kafka server.properties.</summary>
internal static class SecureListeners
{
    public const string User = "alice";
    public const string Password = "alice-secret";

    /// <summary>
    /// One listener named after its protocol. TLS keys are listener-prefixed on SSL and unprefixed on SASL_SSL, so
    /// both spellings are used; every SASL mechanism knows alice (PLAIN and both SCRAM variants).
    /// </summary>
    public static Dictionary<string, string> Settings(TestCertificates certificates, string protocol, bool mutualTls = false)
    {
        var settings = new Dictionary<string, string> { ["listeners"] = $"{protocol}://127.0.0.1:0" };
        var name = protocol.ToLowerInvariant();
        if (protocol.EndsWith("SSL", StringComparison.Ordinal))
        {
            var prefix = protocol == "SSL" ? $"listener.name.{name}." : "";
            settings[prefix + "ssl.keystore.type"] = "PEM";
            settings[prefix + "ssl.keystore.location"] = certificates.ServerKeystorePath;
            settings[prefix + "ssl.key.password"] = TestCertificates.ServerKeyPassword;
            settings[prefix + "ssl.truststore.type"] = "PEM";
            settings[prefix + "ssl.truststore.location"] = certificates.CaPath;
            settings[prefix + "ssl.client.auth"] = mutualTls ? "required" : "none";
        }
        if (protocol.StartsWith("SASL", StringComparison.Ordinal))
        {
            settings[$"listener.name.{name}.sasl.enabled.mechanisms"] = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512";
            settings[$"listener.name.{name}.plain.sasl.jaas.config"] =
                $"org.apache.kafka.common.security.plain.PlainLoginModule required user_{User}=\"{Password}\" user_bob=\"bob-secret\";";
            foreach (var scram in new[] { "scram-sha-256", "scram-sha-512" })
            {
                settings[$"listener.name.{name}.{scram}.sasl.jaas.config"] =
                    $"org.apache.kafka.common.security.scram.ScramLoginModule required user_{User}=\"{Password}\";";
            }
        }
        return settings;
    }
}
