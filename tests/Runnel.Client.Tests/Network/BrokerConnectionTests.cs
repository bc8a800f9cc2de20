using Runnel.Client.Network;
using Runnel.Client.Tests.Support;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Tests.Network;

public class BrokerConnectionTests
{
    private static readonly (short, short, short)[] Apis = [((short)ApiKey.ApiVersions, 0, 4), ((short)ApiKey.Metadata, 0, 12)];

    private static ClientOptions Options(int port, int timeoutMs = 10_000) => new()
    {
        BootstrapServers = $"127.0.0.1:{port}",
        RequestTimeout = TimeSpan.FromMilliseconds(timeoutMs),
    };

    private static Task<BrokerConnection> ConnectAsync(FakeBroker broker, int timeoutMs = 10_000)
        => BrokerConnection.ConnectAsync("127.0.0.1", broker.Port, -1, Options(broker.Port, timeoutMs), CancellationToken.None);

    /// <summary>Answers ApiVersions normally and Metadata with the request's correlation id as the cluster id.</summary>
    private static byte[]? Normal(SeenRequest request) => request.Header.RequestApiKey switch
    {
        (short)ApiKey.ApiVersions => FakeBroker.ApiVersions(request, Apis),
        _ => FakeBroker.Reply(request, new MetadataResponse { ClusterId = $"c{request.Header.CorrelationId}" }),
    };

    [Fact]
    public async Task Pipelined_requests_get_their_own_replies_at_the_negotiated_version()
    {
        await using var broker = new FakeBroker(Normal);
        await using var connection = await ConnectAsync(broker);

        var replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            connection.SendAsync<MetadataResponse>(ApiKey.Metadata, new MetadataRequest { Topics = [] }, CancellationToken.None)));

        var metadataRequests = broker.Seen.Where(s => s.Header.RequestApiKey == (short)ApiKey.Metadata).ToList();
        Assert.Equal(20, metadataRequests.Count);
        Assert.All(metadataRequests, s => Assert.Equal(12, s.Header.RequestApiVersion));
        Assert.Equal(metadataRequests.Select(s => $"c{s.Header.CorrelationId}").Order(), replies.Select(r => r.ClusterId).Order());
        Assert.Equal("runnel", broker.Seen[0].Header.ClientId);
    }

    [Fact]
    public async Task An_older_broker_gets_apiversions_again_at_the_version_its_v0_error_reply_names()
    {
        await using var broker = new FakeBroker(request =>
        {
            if (request.Header.RequestApiKey != (short)ApiKey.ApiVersions)
                return Normal(request);
            if (request.Header.RequestApiVersion > 2)
            {
                // KIP-511: an unsupported ApiVersions version gets a v0-shaped body listing the highest it speaks.
                var error = new ApiVersionsResponse
                {
                    ErrorCode = (short)ErrorCode.UnsupportedVersion,
                    ApiKeys = [new() { ApiKey = (short)ApiKey.ApiVersions, MinVersion = 0, MaxVersion = 2 }],
                };
                using var writer = new Protocol.Primitives.KafkaWriter();
                Protocol.Primitives.Framing.WriteResponse(writer, request.Header.CorrelationId, (short)ApiKey.ApiVersions, 0, error);
                return writer.WrittenSpan.ToArray();
            }
            return FakeBroker.ApiVersions(request, ((short)ApiKey.ApiVersions, 0, 2), ((short)ApiKey.Metadata, 0, 6));
        });

        await using var connection = await ConnectAsync(broker);

        Assert.Equal([(short)4, (short)2], broker.Seen.Select(s => s.Header.RequestApiVersion));
        Assert.Equal(6, connection.Versions.Negotiate(ApiKey.Metadata));
    }

    [Fact]
    public async Task A_reply_that_does_not_decode_fails_only_its_request()
    {
        await using var broker = new FakeBroker(request => request.Header.RequestApiKey switch
        {
            (short)ApiKey.ApiVersions => FakeBroker.ApiVersions(request, Apis),
            // A frame with a valid header whose body stops short.
            _ when request.Header.CorrelationId == 2 => [0, 0, 0, 6, 0, 0, 0, 2, 0, 0],
            _ => Normal(request),
        });
        await using var connection = await ConnectAsync(broker);

        var bad = await Assert.ThrowsAsync<RunnelException>(() => connection.SendAsync<MetadataResponse>(ApiKey.Metadata, new MetadataRequest(), CancellationToken.None));
        Assert.Contains("Could not decode the Metadata v12 reply", bad.Message, StringComparison.Ordinal);
        var good = await connection.SendAsync<MetadataResponse>(ApiKey.Metadata, new MetadataRequest(), CancellationToken.None);
        Assert.Equal("c3", good.ClusterId);
        Assert.True(connection.IsAlive);
    }

    [Fact]
    public async Task A_reply_out_of_order_kills_the_connection_and_everything_waiting()
    {
        await using var broker = new FakeBroker(request => request.Header.RequestApiKey == (short)ApiKey.ApiVersions
            ? FakeBroker.ApiVersions(request, Apis)
            : FakeBroker.Reply(request, new MetadataResponse(), correlationId: 999));
        await using var connection = await ConnectAsync(broker);

        var error = await Assert.ThrowsAsync<BrokerConnectionException>(() => connection.SendAsync<MetadataResponse>(ApiKey.Metadata, new MetadataRequest(), CancellationToken.None));
        Assert.Contains("out of order", error.Message, StringComparison.Ordinal);
        Assert.False(connection.IsAlive);
        await Assert.ThrowsAsync<BrokerConnectionException>(() => connection.SendAsync<MetadataResponse>(ApiKey.Metadata, new MetadataRequest(), CancellationToken.None));
    }

    [Fact]
    public async Task A_broker_that_hangs_up_fails_the_waiting_request()
    {
        FakeBroker? self = null;
        await using var broker = self = new FakeBroker(request =>
        {
            if (request.Header.RequestApiKey == (short)ApiKey.ApiVersions)
                return FakeBroker.ApiVersions(request, Apis);
            self!.DropConnections();
            return null;
        });
        await using var connection = await ConnectAsync(broker);

        var error = await Assert.ThrowsAsync<BrokerConnectionException>(() => connection.SendAsync<MetadataResponse>(ApiKey.Metadata, new MetadataRequest(), CancellationToken.None));
        Assert.Contains("127.0.0.1", error.Message, StringComparison.Ordinal);
        Assert.False(connection.IsAlive);
    }

    [Fact]
    public async Task A_request_without_a_reply_times_out_and_closes_the_connection()
    {
        await using var broker = new FakeBroker(request => request.Header.RequestApiKey == (short)ApiKey.ApiVersions ? FakeBroker.ApiVersions(request, Apis) : null);
        await using var connection = await ConnectAsync(broker, timeoutMs: 200);

        var error = await Assert.ThrowsAsync<BrokerConnectionException>(() => connection.SendAsync<MetadataResponse>(ApiKey.Metadata, new MetadataRequest(), CancellationToken.None));
        Assert.Contains("did not answer Metadata", error.Message, StringComparison.Ordinal);
        Assert.False(connection.IsAlive);
    }

    [Fact]
    public async Task Asking_for_an_api_the_broker_lacks_fails_before_sending()
    {
        await using var broker = new FakeBroker(Normal);
        await using var connection = await ConnectAsync(broker);
        await Assert.ThrowsAsync<UnsupportedApiException>(() => connection.SendAsync<FetchResponse>(ApiKey.Fetch, new FetchRequest(), CancellationToken.None));
        Assert.DoesNotContain(broker.Seen, s => s.Header.RequestApiKey == (short)ApiKey.Fetch);
    }

    [Fact]
    public async Task Nothing_listening_is_a_clear_connect_error()
    {
        int port;
        await using (var closed = new FakeBroker(Normal))
            port = closed.Port;
        var error = await Assert.ThrowsAsync<BrokerConnectionException>(() =>
            BrokerConnection.ConnectAsync("127.0.0.1", port, -1, Options(port), CancellationToken.None));
        Assert.StartsWith($"Could not connect to 127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }
}
