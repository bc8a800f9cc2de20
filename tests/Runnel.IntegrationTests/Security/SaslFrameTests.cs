using System.Buffers.Binary;
using System.Text;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Security;

/// <summary>Kafka's SASL state rules on a SASL_PLAINTEXT listener, frame by frame.</summary>
public sealed class SaslFrameTests : IAsyncLifetime, IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();
    private BrokerFixture _broker = null!;

    public async Task InitializeAsync() => _broker = await BrokerFixture.StartAsync(SecureListeners.Settings(_certificates, "SASL_PLAINTEXT"));

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    public void Dispose() => _certificates.Dispose();

    private static byte[] Plain(string user, string password) => Encoding.UTF8.GetBytes($"\0{user}\0{password}");

    [Fact]
    public async Task ApiVersions_then_PLAIN_authenticates_and_then_requests_are_served()
    {
        await using var raw = await RawKafkaConnection.ConnectAsync(_broker.Bootstrap);
        var versions = await raw.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest());
        Assert.Contains(versions.ApiKeys, k => k.ApiKey == (short)ApiKey.SaslHandshake && k.MinVersion == 0 && k.MaxVersion == 1);
        Assert.Contains(versions.ApiKeys, k => k.ApiKey == (short)ApiKey.SaslAuthenticate && k.MinVersion == 0 && k.MaxVersion == 2);
        var handshake = await raw.RequestAsync<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, new SaslHandshakeRequest { Mechanism = "PLAIN" });
        Assert.Equal(0, handshake.ErrorCode);
        Assert.Equal(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"], handshake.Mechanisms);
        var authenticate = await raw.RequestAsync<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 2,
            new SaslAuthenticateRequest { AuthBytes = Plain("bob", "bob-secret") });
        Assert.Equal(0, authenticate.ErrorCode);
        Assert.Equal(0, authenticate.SessionLifetimeMs);
        Assert.Contains(_broker.Broker.Connections, c => c.Principal == "User:bob");
        var metadata = await raw.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest());
        Assert.Single(metadata.Brokers);
        // Once authenticated, Kafka's KafkaApis answers further SASL requests ILLEGAL_SASL_STATE.
        var again = await raw.RequestAsync<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, new SaslHandshakeRequest { Mechanism = "PLAIN" });
        Assert.Equal((short)ErrorCode.IllegalSaslState, again.ErrorCode);
    }

    [Fact]
    public async Task After_SaslHandshake_v0_the_token_travels_without_a_Kafka_header()
    {
        await using var raw = await RawKafkaConnection.ConnectAsync(_broker.Bootstrap);
        var handshake = await raw.RequestAsync<SaslHandshakeResponse>(ApiKey.SaslHandshake, 0, new SaslHandshakeRequest { Mechanism = "PLAIN" });
        Assert.Equal(0, handshake.ErrorCode);
        var token = Plain(SecureListeners.User, SecureListeners.Password);
        var frame = new byte[4 + token.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, token.Length);
        token.CopyTo(frame, 4);
        await raw.SendRawAsync(frame);
        var reply = await raw.ReadFrameAsync();
        Assert.NotNull(reply);
        Assert.Empty(reply);
        var metadata = await raw.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest());
        Assert.Single(metadata.Brokers);
    }

    [Fact]
    public async Task A_wrong_password_gets_SASL_AUTHENTICATION_FAILED_and_the_connection_closes()
    {
        await using var raw = await RawKafkaConnection.ConnectAsync(_broker.Bootstrap);
        await raw.RequestAsync<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, new SaslHandshakeRequest { Mechanism = "PLAIN" });
        var refused = await raw.RequestAsync<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 1,
            new SaslAuthenticateRequest { AuthBytes = Plain(SecureListeners.User, "guess") });
        Assert.Equal((short)ErrorCode.SaslAuthenticationFailed, refused.ErrorCode);
        Assert.Equal("Authentication failed: Invalid username or password", refused.ErrorMessage);
        Assert.True(await raw.IsClosedByBrokerAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_unsupported_mechanism_gets_UNSUPPORTED_SASL_MECHANISM_with_the_enabled_ones_and_the_connection_closes()
    {
        await using var raw = await RawKafkaConnection.ConnectAsync(_broker.Bootstrap);
        var handshake = await raw.RequestAsync<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, new SaslHandshakeRequest { Mechanism = "GSSAPI" });
        Assert.Equal((short)ErrorCode.UnsupportedSaslMechanism, handshake.ErrorCode);
        Assert.Equal(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"], handshake.Mechanisms);
        Assert.True(await raw.IsClosedByBrokerAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_second_handshake_gets_ILLEGAL_SASL_STATE_and_the_connection_closes()
    {
        await using var raw = await RawKafkaConnection.ConnectAsync(_broker.Bootstrap);
        await raw.RequestAsync<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, new SaslHandshakeRequest { Mechanism = "SCRAM-SHA-256" });
        var again = await raw.RequestAsync<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, new SaslHandshakeRequest { Mechanism = "PLAIN" });
        Assert.Equal((short)ErrorCode.IllegalSaslState, again.ErrorCode);
        Assert.True(await raw.IsClosedByBrokerAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Requests_other_than_ApiVersions_and_SaslHandshake_before_authentication_close_without_a_reply()
    {
        await using (var metadata = await RawKafkaConnection.ConnectAsync(_broker.Bootstrap))
        {
            await metadata.SendAsync(ApiKey.Metadata, 12, new MetadataRequest());
            Assert.Null(await metadata.ReadFrameAsync());
        }
        await using var authenticate = await RawKafkaConnection.ConnectAsync(_broker.Bootstrap);
        await authenticate.SendAsync(ApiKey.SaslAuthenticate, 2, new SaslAuthenticateRequest { AuthBytes = Plain(SecureListeners.User, SecureListeners.Password) });
        Assert.Null(await authenticate.ReadFrameAsync());
        Assert.DoesNotContain(_broker.Broker.Connections, c => c.Principal != "User:ANONYMOUS");
    }

    [Fact]
    public async Task A_frame_over_512_KiB_before_authentication_closes_the_connection()
    {
        await using var raw = await RawKafkaConnection.ConnectAsync(_broker.Bootstrap);
        await raw.RequestAsync<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, new SaslHandshakeRequest { Mechanism = "PLAIN" });
        var prefix = new byte[4 + 1024];
        BinaryPrimitives.WriteInt32BigEndian(prefix, 512 * 1024 + 1);
        await raw.SendRawAsync(prefix);
        Assert.True(await raw.IsClosedByBrokerAsync(TimeSpan.FromSeconds(10)));
    }
}
