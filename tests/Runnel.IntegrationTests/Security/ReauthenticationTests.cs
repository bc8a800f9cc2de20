using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Net;
using Runnel.Net.Security;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using ErrorCode = Runnel.Protocol.ErrorCode;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// KIP-368 with connections.max.reauth.ms=2000 (re-authentication is allowed once a second, so a session much shorter would refuse the 85-95% renewal): the session lifetime is granted in SaslAuthenticate; a client that does
/// not re-authenticate is closed at its next request after it; librdkafka and Runnel's connection re-authenticate and
/// keep their connections; a re-authentication may change neither principal nor mechanism.
/// </summary>
public sealed class ReauthenticationTests : IAsyncLifetime, IDisposable
{
    private const int LifetimeMs = 2000;
    private readonly TestCertificates _certificates = TestCertificates.Create();
    private BrokerFixture _broker = null!;

    public ReauthenticationTests() => KafkaNative.EnsureLoaded();

    public async Task InitializeAsync()
    {
        var settings = SecureListeners.Settings(_certificates, "SASL_PLAINTEXT");
        settings["connections.max.reauth.ms"] = LifetimeMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _broker = await BrokerFixture.StartAsync(settings);
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    public void Dispose() => _certificates.Dispose();

    private static byte[] Plain(string user, string password) => Encoding.UTF8.GetBytes($"\0{user}\0{password}");

    private async Task<RawKafkaConnection> AuthenticatedAsync(string user = SecureListeners.User, string password = SecureListeners.Password)
    {
        var raw = await RawKafkaConnection.ConnectAsync(_broker.Bootstrap);
        Assert.Equal(0, (await raw.RequestAsync<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, new SaslHandshakeRequest { Mechanism = "PLAIN" })).ErrorCode);
        var authenticated = await raw.RequestAsync<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 2, new SaslAuthenticateRequest { AuthBytes = Plain(user, password) });
        Assert.Equal(0, authenticated.ErrorCode);
        Assert.Equal(LifetimeMs, authenticated.SessionLifetimeMs);
        return raw;
    }

    [Fact]
    public async Task A_client_that_does_not_reauthenticate_is_closed_at_its_first_request_after_the_session()
    {
        var started = Stopwatch.StartNew();
        await using var raw = await AuthenticatedAsync();
        var served = 0;
        // Requests back to back: each is served until the session ends, and the first after it closes the connection.
        while (started.Elapsed < TimeSpan.FromSeconds(15))
        {
            await raw.SendAsync(ApiKey.Metadata, 12, new MetadataRequest { Topics = [] });
            if (await raw.ReadFrameAsync() is null)
                break;
            served++;
        }
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(LifetimeMs), $"closed after {started.Elapsed}");
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), "the connection outlived its session");
        Assert.True(served > 0);
    }

    [Fact]
    public async Task Runnel_connections_reauthenticate_and_keep_serving_pipelined_requests()
    {
        await using var connection = await KafkaConnection.ConnectAsync("127.0.0.1", int.Parse(_broker.Bootstrap.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture),
            new KafkaConnectionOptions { Security = new ConnectionSecurity(null, new SaslCredentials("SCRAM-SHA-512", SecureListeners.User, SecureListeners.Password)) });
        Assert.Equal(TimeSpan.FromMilliseconds(LifetimeMs), connection.SessionLifetime);
        var running = Stopwatch.StartNew();
        var answered = 0;
        while (running.Elapsed < TimeSpan.FromSeconds(6))
        {
            var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => connection.SendAsync<MetadataResponse>(ApiKey.Metadata, new MetadataRequest { Topics = [] })));
            Assert.All(replies, r => Assert.Single(r.Brokers));
            answered += replies.Length;
        }
        Assert.True(connection.IsAlive, connection.Failure?.Message);
        Assert.True(answered > 8);
    }

    [Fact]
    public async Task Librdkafka_reauthenticates_while_it_produces()
    {
        var logs = new ConcurrentQueue<string>();
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = _broker.Bootstrap,
            SecurityProtocol = SecurityProtocol.SaslPlaintext,
            SaslMechanism = SaslMechanism.ScramSha256,
            SaslUsername = SecureListeners.User,
            SaslPassword = SecureListeners.Password,
            Acks = Acks.All,
            Debug = "security",
        }).SetLogHandler((_, m) => logs.Enqueue(m.Message)).Build();
        var running = Stopwatch.StartNew();
        var delivered = 0;
        long lastOffset = -1;
        while (running.Elapsed < TimeSpan.FromSeconds(6))
        {
            var result = await producer.ProduceAsync("reauth", new Message<Null, string> { Value = $"v{delivered}" });
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
            lastOffset = result.Offset.Value;
            delivered++;
        }
        Assert.Contains(logs, l => l.Contains("reauth", StringComparison.OrdinalIgnoreCase));
        // One partition, every record once: the last offset counts them.
        Assert.Equal(delivered - 1, lastOffset);
    }

    [Fact]
    public async Task Reauthenticating_as_another_principal_is_refused_and_closes_the_connection()
    {
        await using var raw = await AuthenticatedAsync();
        Assert.Equal(0, (await raw.RequestAsync<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, new SaslHandshakeRequest { Mechanism = "PLAIN" })).ErrorCode);
        var clock = Stopwatch.StartNew();
        var refused = await raw.RequestAsync<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 2, new SaslAuthenticateRequest { AuthBytes = Plain("bob", "bob-secret") });
        // connection.failed.authentication.delay.ms (100 ms by default) holds the refusal back.
        Assert.True(clock.ElapsedMilliseconds >= 95, $"refused after {clock.ElapsedMilliseconds} ms");
        Assert.Equal((short)ErrorCode.SaslAuthenticationFailed, refused.ErrorCode);
        Assert.Equal("Cannot change principals during re-authentication from User.alice: User.bob", refused.ErrorMessage);
        Assert.True(await raw.IsClosedByBrokerAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Reauthenticating_with_another_mechanism_is_refused_and_closes_the_connection()
    {
        await using var raw = await AuthenticatedAsync();
        // As Kafka: the handshake for another enabled mechanism is answered as usual; the SaslAuthenticate after it fails.
        var handshake = await raw.RequestAsync<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, new SaslHandshakeRequest { Mechanism = "SCRAM-SHA-256" });
        Assert.Equal(0, handshake.ErrorCode);
        var refused = await raw.RequestAsync<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 2,
            new SaslAuthenticateRequest { AuthBytes = Encoding.UTF8.GetBytes("n,,n=alice,r=abcdefgh") });
        Assert.Equal((short)ErrorCode.SaslAuthenticationFailed, refused.ErrorCode);
        Assert.Equal("SASL mechanism 'SCRAM-SHA-256' requested by client is not supported for re-authentication of mechanism 'PLAIN'", refused.ErrorMessage);
        Assert.True(await raw.IsClosedByBrokerAsync(TimeSpan.FromSeconds(10)));
    }
}
