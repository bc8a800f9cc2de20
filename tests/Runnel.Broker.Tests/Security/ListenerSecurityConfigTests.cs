using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Runnel.Broker.Configuration;
using Runnel.Broker.Security;

namespace Runnel.Broker.Tests.Security;

/// <summary>listener.security.protocol.map, listener-prefixed keys, start-up checks, and certificate principals.</summary>
public sealed class ListenerSecurityConfigTests
{
    private static BrokerConfig Config(params (string Key, string Value)[] settings)
        => BrokerConfig.Create(settings.Select(s => new KeyValuePair<string, string>(s.Key, s.Value)));

    [Fact]
    public void Kafka_default_map_names_the_four_protocols_and_maps_controllers_to_PLAINTEXT()
    {
        var config = Config(("listeners", "PLAINTEXT://127.0.0.1:0"));
        Assert.Equal(SecurityProtocol.Plaintext, config.SecurityProtocolOf("PLAINTEXT"));
        Assert.Equal(SecurityProtocol.Ssl, config.SecurityProtocolOf("SSL"));
        Assert.Equal(SecurityProtocol.SaslPlaintext, config.SecurityProtocolOf("SASL_PLAINTEXT"));
        Assert.Equal(SecurityProtocol.SaslSsl, config.SecurityProtocolOf("sasl_ssl"));
        Assert.Equal(SecurityProtocol.Plaintext, config.SecurityProtocolOf("CONTROLLER"));
    }

    [Fact]
    public void With_an_SSL_or_SASL_listener_the_default_map_leaves_controllers_unmapped_as_Kafka_does()
    {
        var config = Config(("listeners", "SASL_PLAINTEXT://127.0.0.1:0"));
        Assert.Throws<ConfigException>(() => config.SecurityProtocolOf("CONTROLLER"));
    }

    [Fact]
    public void A_listener_missing_from_an_explicit_map_fails_start_up()
    {
        var e = Assert.Throws<ConfigException>(() => Config(("listeners", "PLAINTEXT://127.0.0.1:0,CLIENTS://127.0.0.1:0"),
            ("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT")));
        Assert.Contains("No security protocol defined for listener CLIENTS", e.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<ConfigException>(() => Config(("listener.security.protocol.map", "PLAINTEXT:TLS")));
        Assert.Contains("Invalid security protocol `TLS`", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Listener_prefixed_keys_win_over_unprefixed_ones_and_are_validated()
    {
        var config = Config(("listeners", "CLIENTS://127.0.0.1:0"), ("listener.security.protocol.map", "CLIENTS:SASL_SSL"),
            ("ssl.client.auth", "requested"), ("listener.name.clients.ssl.client.auth", "required"), ("sasl.enabled.mechanisms", "PLAIN"));
        Assert.Equal("required", config.ListenerValue("CLIENTS", SecurityConfigs.ClientAuth));
        Assert.Equal("PLAIN", config.ListenerValue("CLIENTS", SecurityConfigs.SaslEnabledMechanisms));
        Assert.DoesNotContain(config.Warnings, w => w.Contains("ssl.client.auth", StringComparison.Ordinal));
        Assert.Throws<ConfigException>(() => Config(("listener.name.clients.ssl.client.auth", "sometimes")));
        Assert.Contains(Config(("listener.name.CLIENTS.ssl.client.auth", "none")).Warnings, w => w.Contains("listener.name.clients.*", StringComparison.Ordinal));
    }

    [Fact]
    public void A_SASL_listener_needs_supported_mechanisms_and_their_JAAS_config()
    {
        var gssapi = Assert.Throws<ConfigException>(() => ListenerSecurity.Load(Config(("listeners", "SASL_PLAINTEXT://127.0.0.1:0")), "SASL_PLAINTEXT"));
        Assert.Contains("GSSAPI is not supported", gssapi.Message, StringComparison.Ordinal);
        var noJaas = Assert.Throws<ConfigException>(() => ListenerSecurity.Load(
            Config(("listeners", "SASL_PLAINTEXT://127.0.0.1:0"), ("sasl.enabled.mechanisms", "SCRAM-SHA-512")), "SASL_PLAINTEXT"));
        Assert.Equal("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config", noJaas.Key);
        var security = ListenerSecurity.Load(Config(("listeners", "SASL_PLAINTEXT://127.0.0.1:0"), ("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256"),
            ("listener.name.sasl_plaintext.plain.sasl.jaas.config", $"{SaslSettings.PlainLoginModule} required user_alice=\"a\";"),
            ("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config", $"{SaslSettings.ScramLoginModule} required user_alice=\"a\";")), "SASL_PLAINTEXT");
        Assert.Equal(["PLAIN", "SCRAM-SHA-256"], security.Sasl!.Mechanisms);
        Assert.Null(security.Tls);
        Assert.Null(security.Sasl.CreateServer("SCRAM-SHA-512"));
    }

    [Fact]
    public void A_TLS_listener_needs_a_readable_PEM_key_store()
    {
        var missing = Assert.Throws<ConfigException>(() => ListenerSecurity.Load(
            Config(("listeners", "SSL://127.0.0.1:0"), ("ssl.keystore.type", "PEM")), "SSL"));
        Assert.Equal("listener.name.ssl.ssl.keystore.location", missing.Key);
        var jks = Assert.Throws<ConfigException>(() => ListenerSecurity.Load(
            Config(("listeners", "SSL://127.0.0.1:0"), ("ssl.keystore.location", "/nonexistent.jks")), "SSL"));
        Assert.Contains("JKS key stores are not supported", jks.Message, StringComparison.Ordinal);
        var unreadable = Assert.Throws<ConfigException>(() => ListenerSecurity.Load(
            Config(("listeners", "SSL://127.0.0.1:0"), ("ssl.keystore.type", "PEM"), ("ssl.keystore.location", "/nonexistent.pem")), "SSL"));
        Assert.Contains("could not be loaded", unreadable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_inline_PEM_key_store_loads()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var security = ListenerSecurity.Load(Config(("listeners", "SSL://127.0.0.1:0"), ("ssl.keystore.type", "PEM"),
            ("ssl.keystore.certificate.chain", certificate.ExportCertificatePem()), ("ssl.keystore.key", key.ExportPkcs8PrivateKeyPem())), "SSL");
        Assert.NotNull(security.Tls);
        Assert.Equal(ClientAuth.None, security.Tls.ClientAuth);
    }

    /// <summary>A name with its attributes encoded in the order given (the least specific first, as CAs write them).</summary>
    private static X500DistinguishedName Name(params (string Oid, string Value)[] encoded)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var (oid, value) in encoded)
            {
                using (writer.PushSetOf())
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    writer.WriteCharacterString(oid.StartsWith("1.2.840", StringComparison.Ordinal) ? UniversalTagNumber.IA5String : UniversalTagNumber.UTF8String, value);
                }
            }
        }
        return new X500DistinguishedName(writer.Encode());
    }

    [Fact]
    public void Certificate_principals_are_the_RFC_2253_name_Java_gives()
    {
        Assert.Equal("CN=alice,OU=Eng,O=Acme,C=US", KafkaPrincipals.Rfc2253(Name(("2.5.4.6", "US"), ("2.5.4.10", "Acme"), ("2.5.4.11", "Eng"), ("2.5.4.3", "alice"))));
        Assert.Equal("CN=Smith\\, John,O=Acme", KafkaPrincipals.Rfc2253(Name(("2.5.4.10", "Acme"), ("2.5.4.3", "Smith, John"))));
        Assert.Equal("UID=jd,DC=example,DC=com", KafkaPrincipals.Rfc2253(Name(("0.9.2342.19200300.100.1.25", "com"), ("0.9.2342.19200300.100.1.25", "example"), ("0.9.2342.19200300.100.1.1", "jd"))));
        Assert.Equal("CN=\\ lead\\+trail\\ ", KafkaPrincipals.Rfc2253(Name(("2.5.4.3", " lead+trail "))));
    }

    [Fact]
    public void Attributes_without_a_Java_keyword_are_an_OID_and_the_value_in_hex()
    {
        Assert.Equal("CN=x,1.2.840.113549.1.9.1=#1603614062", KafkaPrincipals.Rfc2253(Name(("1.2.840.113549.1.9.1", "a@b"), ("2.5.4.3", "x"))));
    }
}
