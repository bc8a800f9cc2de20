using Confluent.Kafka;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// Confluent.Kafka 2.16 produces and consumes with a group over each secure listener; the broker knows the client by
/// its SASL user or certificate name; bad credentials, untrusted certificates and plaintext clients get nothing.
/// </summary>
public sealed class ConfluentSecurityTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public ConfluentSecurityTests() => KafkaNative.EnsureLoaded();

    public void Dispose() => _certificates.Dispose();

    private T Secure<T>(T config, string protocol, string? mechanism, string? password = SecureListeners.Password, string user = SecureListeners.User,
        bool clientCertificate = false, bool rogueCertificate = false)
        where T : ClientConfig
    {
        config.SecurityProtocol = Enum.Parse<SecurityProtocol>(protocol.Replace("_", "", StringComparison.Ordinal), ignoreCase: true);
        if (protocol.EndsWith("SSL", StringComparison.Ordinal))
            config.SslCaLocation = _certificates.CaPath;
        if (clientCertificate || rogueCertificate)
        {
            config.SslCertificateLocation = rogueCertificate ? _certificates.RogueCertificatePath : _certificates.ClientCertificatePath;
            config.SslKeyLocation = rogueCertificate ? _certificates.RogueKeyPath : _certificates.ClientKeyPath;
        }
        if (mechanism is not null)
        {
            config.SaslMechanism = mechanism switch
            {
                "PLAIN" => SaslMechanism.Plain,
                "SCRAM-SHA-256" => SaslMechanism.ScramSha256,
                _ => SaslMechanism.ScramSha512,
            };
            config.SaslUsername = user;
            config.SaslPassword = password;
        }
        return config;
    }

    [Theory]
    [InlineData("SSL", null, false, "User:ANONYMOUS")]
    [InlineData("SSL", null, true, "User:" + TestCertificates.ClientSubject)]
    [InlineData("SASL_PLAINTEXT", "PLAIN", false, "User:alice")]
    [InlineData("SASL_PLAINTEXT", "SCRAM-SHA-512", false, "User:alice")]
    [InlineData("SASL_SSL", "PLAIN", false, "User:alice")]
    [InlineData("SASL_SSL", "SCRAM-SHA-256", false, "User:alice")]
    [InlineData("SASL_SSL", "SCRAM-SHA-512", true, "User:alice")]
    public async Task A_group_consumes_what_was_produced_and_the_broker_names_the_principal(string protocol, string? mechanism, bool mutualTls, string principal)
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, protocol, mutualTls));
        using var producer = new ProducerBuilder<string, string>(Secure(new ProducerConfig { BootstrapServers = broker.Bootstrap, Acks = Acks.All },
            protocol, mechanism, clientCertificate: mutualTls)).Build();
        const int count = 200;
        for (var i = 0; i < count; i++)
            await producer.ProduceAsync("secure", new Message<string, string> { Key = $"k{i % 7}", Value = $"v{i}" });
        var principals = broker.Broker.Connections.Select(c => c.Principal).Distinct().ToList();
        Assert.Equal([principal], principals);

        using var consumer = new ConsumerBuilder<string, string>(Secure(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = "secure-group",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }, protocol, mechanism, clientCertificate: mutualTls)).Build();
        consumer.Subscribe("secure");
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (values.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message: { } message })
                values.Add(message.Value);
        }
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"v{i}").Order(), values.Order());
        consumer.Commit();
        Assert.Equal(count, consumer.Committed(TimeSpan.FromSeconds(10)).Single().Offset.Value);
        consumer.Close();
    }

    /// <summary>The first error librdkafka reports for an admin client with these settings (it connects at once).</summary>
    private static async Task<Error> FirstErrorAsync(AdminClientConfig config)
    {
        var error = new TaskCompletionSource<Error>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var admin = new AdminClientBuilder(config).SetErrorHandler((_, e) => error.TrySetResult(e)).Build();
        var metadata = Task.Run(() => admin.GetMetadata(TimeSpan.FromSeconds(5)));
        var first = await error.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<KafkaException>(() => metadata);
        return first;
    }

    [Theory]
    [InlineData("SASL_PLAINTEXT", "PLAIN", "alice", "wrong", "Authentication failed: Invalid username or password")]
    [InlineData("SASL_PLAINTEXT", "PLAIN", "mallory", "alice-secret", "Authentication failed: Invalid username or password")]
    [InlineData("SASL_SSL", "SCRAM-SHA-256", "alice", "wrong", "invalid credentials with SASL mechanism SCRAM-SHA-256")]
    [InlineData("SASL_SSL", "SCRAM-SHA-512", "mallory", "alice-secret", "invalid credentials with SASL mechanism SCRAM-SHA-512")]
    public async Task Bad_credentials_are_refused_with_Kafkas_message(string protocol, string mechanism, string user, string password, string expected)
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, protocol));
        var error = await FirstErrorAsync(Secure(new AdminClientConfig { BootstrapServers = broker.Bootstrap }, protocol, mechanism, password, user));
        // librdkafka reports the broker's SASL_AUTHENTICATION_FAILED as a local authentication error with its message.
        Assert.Equal(ErrorCode.Local_Authentication, error.Code);
        Assert.Contains(expected, error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(broker.Broker.Connections, c => c.Principal != "User:ANONYMOUS");
    }

    [Fact]
    public async Task A_certificate_from_an_untrusted_CA_or_none_is_refused_when_client_auth_is_required()
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, "SSL", mutualTls: true));
        var rogue = await FirstErrorAsync(Secure(new AdminClientConfig { BootstrapServers = broker.Bootstrap }, "SSL", null, rogueCertificate: true));
        Assert.True(rogue.Code is ErrorCode.Local_Ssl or ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown, rogue.ToString());
        var none = await FirstErrorAsync(Secure(new AdminClientConfig { BootstrapServers = broker.Bootstrap }, "SSL", null));
        Assert.True(none.Code is ErrorCode.Local_Ssl or ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown, none.ToString());
    }

    [Fact]
    public async Task A_plaintext_client_on_a_TLS_port_is_refused()
    {
        await using var broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, "SASL_SSL"));
        var error = await FirstErrorAsync(new AdminClientConfig { BootstrapServers = broker.Bootstrap, SecurityProtocol = SecurityProtocol.Plaintext });
        Assert.True(error.Code is ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown, error.ToString());
        await using var raw = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await raw.SendAsync(Runnel.Protocol.ApiKey.ApiVersions, 3, new Runnel.Protocol.Messages.ApiVersionsRequest());
        Assert.True(await raw.IsClosedByBrokerAsync(TimeSpan.FromSeconds(10)));
    }
}
