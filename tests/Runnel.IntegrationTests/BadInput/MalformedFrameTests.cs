using System.Buffers.Binary;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.BadInput;

/// <summary>
/// Malformed frames close only the offending connection, before anything is allocated from a declared size; the
/// broker stays up and a well-behaved client on another connection is unaffected.
/// </summary>
public sealed class MalformedFrameTests
{
    public static TheoryData<string, byte[]> BadFrames() => new()
    {
        { "negative size", [0xFF, 0xFF, 0xFF, 0xF0, 1, 2, 3] },
        { "size over socket.request.max.bytes", [0x7F, 0xFF, 0xFF, 0xFF, 0, 18, 0, 3] },
        { "unknown api key", Frame([0x03, 0xE7, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF]) },
        { "unsupported version of a known api", Frame([0, 3, 0, 99, 0, 0, 0, 1, 0xFF, 0xFF]) },
        { "header cut short", Frame([0, 3, 0]) },
        { "body that does not decode", Frame([0, 3, 0, 1, 0, 0, 0, 1, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF]) },
        { "TLS client hello on a plaintext port", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03] },
        { "garbage", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task Bad_frame_closes_that_connection_and_the_broker_keeps_serving(string what, byte[] bytes)
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var healthy = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await healthy.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "t", ClientSoftwareVersion = "1" });

        var before = GC.GetTotalMemory(forceFullCollection: false);
        await using (var bad = await RawKafkaConnection.ConnectAsync(broker.Bootstrap))
        {
            await bad.SendRawAsync(bytes);
            Assert.True(await bad.IsClosedByBrokerAsync(TimeSpan.FromSeconds(10)), $"{what}: connection left open");
        }
        Assert.True(GC.GetTotalMemory(forceFullCollection: false) - before < 64 << 20, $"{what}: memory grew");

        var metadata = await healthy.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest { Topics = null });
        Assert.Single(metadata.Brokers);
    }

    [Fact]
    public async Task Truncated_frame_then_disconnect_leaves_the_broker_up()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using (var bad = await RawKafkaConnection.ConnectAsync(broker.Bootstrap))
            await bad.SendRawAsync([0, 0, 0, 100, 0, 18, 0, 3, 0, 0]);
        await using var healthy = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var reply = await healthy.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 0, new ApiVersionsRequest());
        Assert.Equal(0, reply.ErrorCode);
    }

    [Fact]
    public async Task ApiVersions_above_the_maximum_gets_the_v0_shaped_unsupported_version_reply()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var correlationId = await connection.SendAsync(ApiKey.ApiVersions, 9, new ApiVersionsRequest());
        var frame = (await connection.ReadFrameAsync())!;
        Assert.Equal(correlationId, BinaryPrimitives.ReadInt32BigEndian(frame));
        Assert.Equal((short)ErrorCode.UnsupportedVersion, BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(4)));
        // v0 body: int32 array count, then (key, min, max) for ApiVersions alone, and no throttle time.
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(6)));
        Assert.Equal(18, BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(10)));
        Assert.Equal(4, BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(14)));
        Assert.Equal(16, frame.Length);
    }

    private static byte[] Frame(byte[] body)
    {
        var frame = new byte[body.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }
}
