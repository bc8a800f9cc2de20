using Runnel.Broker.Tests;
using Runnel.Net.Tests.Support;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Net.Tests;

/// <summary>Every way a connection dies, against a raw peer: each kills it and fails everything waiting, once.</summary>
public sealed class KafkaConnectionFaultTests
{
    private static Task<IKafkaMessage> Metadata(KafkaConnection connection, TimeSpan? timeout = null)
        => connection.SendAsync(ApiKey.Metadata, 12, new MetadataRequest { Topics = [] }, new MetadataResponse(), timeout);

    [Fact]
    public async Task A_peer_that_never_answers_times_out_and_fails_everything_pending()
    {
        var time = new ManualTimeProvider();
        await using var peer = new ScriptedPeer();
        var (connection, session) = await Connected.ToAsync(peer, Connected.Options(time, TimeSpan.FromSeconds(5)));
        await using var _ = connection;

        var first = Metadata(connection);
        time.Advance(2000);
        var second = Metadata(connection);
        await session.ReadRequestAsync();
        await session.ReadRequestAsync();
        time.Advance(2999);
        Assert.False(first.IsCompleted);
        time.Advance(1);

        var failure = await Assert.ThrowsAsync<KafkaConnectionException>(() => first.WaitAsync(ScriptedPeer.Bounded));
        Assert.Same(failure, await Assert.ThrowsAsync<KafkaConnectionException>(() => second.WaitAsync(ScriptedPeer.Bounded)));
        Assert.Equal($"127.0.0.1:{peer.Port} did not answer Metadata within 5 s; closing the connection.", failure.Message);
        Assert.False(connection.IsAlive);
        Assert.Same(failure, await Assert.ThrowsAsync<KafkaConnectionException>(() => Metadata(connection)));
        await session.WaitForCloseAsync();
    }

    [Fact]
    public async Task A_request_may_name_a_longer_timeout_than_the_connection()
    {
        var time = new ManualTimeProvider();
        await using var peer = new ScriptedPeer();
        var (connection, session) = await Connected.ToAsync(peer, Connected.Options(time, TimeSpan.FromSeconds(5)));
        await using var _ = connection;

        var parked = Metadata(connection, TimeSpan.FromSeconds(30));
        await session.ReadRequestAsync();
        time.Advance(29_999);
        Assert.False(parked.IsCompleted);
        time.Advance(1);
        await Assert.ThrowsAsync<KafkaConnectionException>(() => parked.WaitAsync(ScriptedPeer.Bounded));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1025)]
    [InlineData(int.MaxValue)]
    public async Task A_garbage_frame_size_kills_the_connection(int size)
    {
        await using var peer = new ScriptedPeer();
        var (connection, session) = await Connected.ToAsync(peer, Connected.Options() with { MaxResponseBytes = 1024 });
        await using var _ = connection;

        var first = Metadata(connection);
        var second = Metadata(connection);
        await session.ReadRequestAsync();
        await session.WriteAsync([(byte)(size >> 24), (byte)(size >> 16), (byte)(size >> 8), (byte)size]);

        var failure = await Assert.ThrowsAsync<KafkaConnectionException>(() => first.WaitAsync(ScriptedPeer.Bounded));
        Assert.Contains($"sent a reply frame of {size} bytes", failure.Message, StringComparison.Ordinal);
        Assert.Same(failure, await Assert.ThrowsAsync<KafkaConnectionException>(() => second.WaitAsync(ScriptedPeer.Bounded)));
        Assert.False(connection.IsAlive);
        await session.WaitForCloseAsync();
    }

    [Fact]
    public async Task A_reset_in_the_middle_of_a_reply_fails_everything_pending()
    {
        await using var peer = new ScriptedPeer();
        var (connection, session) = await Connected.ToAsync(peer);
        await using var _ = connection;

        var first = Metadata(connection);
        var second = Metadata(connection);
        var request = await session.ReadRequestAsync();
        var reply = PeerSession.Reply(request, new MetadataResponse { ClusterId = "a cluster id long enough to cut" });
        await session.WriteAsync(reply[..(reply.Length / 2)]);
        session.Reset();

        var failure = await Assert.ThrowsAsync<KafkaConnectionException>(() => first.WaitAsync(ScriptedPeer.Bounded));
        Assert.Contains($"127.0.0.1:{peer.Port}", failure.Message, StringComparison.Ordinal);
        Assert.Same(failure, await Assert.ThrowsAsync<KafkaConnectionException>(() => second.WaitAsync(ScriptedPeer.Bounded)));
        Assert.False(connection.IsAlive);
    }

    [Fact]
    public async Task A_reply_out_of_step_kills_the_connection_and_everything_waiting()
    {
        await using var peer = new ScriptedPeer();
        var (connection, session) = await Connected.ToAsync(peer);
        await using var _ = connection;

        var first = Metadata(connection);
        var second = Metadata(connection);
        var request = await session.ReadRequestAsync();
        await session.ReplyAsync(request, new MetadataResponse(), correlationId: request.Header.CorrelationId + 1);

        var failure = await Assert.ThrowsAsync<KafkaConnectionException>(() => first.WaitAsync(ScriptedPeer.Bounded));
        Assert.Contains("answered out of order", failure.Message, StringComparison.Ordinal);
        Assert.Same(failure, await Assert.ThrowsAsync<KafkaConnectionException>(() => second.WaitAsync(ScriptedPeer.Bounded)));
        Assert.False(connection.IsAlive);
    }

    [Fact]
    public async Task An_unreadable_reply_header_kills_the_connection()
    {
        await using var peer = new ScriptedPeer();
        var (connection, session) = await Connected.ToAsync(peer);
        await using var _ = connection;

        var pending = Metadata(connection);
        var request = await session.ReadRequestAsync();
        // Metadata v12 replies carry a flexible header: the correlation id alone lacks its tagged fields.
        var id = request.Header.CorrelationId;
        await session.WriteAsync([0, 0, 0, 4, (byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id]);

        var failure = await Assert.ThrowsAsync<KafkaConnectionException>(() => pending.WaitAsync(ScriptedPeer.Bounded));
        Assert.Contains("unreadable reply header", failure.Message, StringComparison.Ordinal);
        Assert.False(connection.IsAlive);
    }

    [Fact]
    public async Task A_body_that_does_not_decode_fails_only_its_request()
    {
        await using var peer = new ScriptedPeer();
        var (connection, session) = await Connected.ToAsync(peer);
        await using var _ = connection;

        var bad = Metadata(connection);
        var good = Metadata(connection);
        var first = await session.ReadRequestAsync();
        var second = await session.ReadRequestAsync();
        var id = first.Header.CorrelationId;
        // A valid flexible header (correlation id, no tagged fields) and a body that stops short.
        await session.WriteAsync([0, 0, 0, 7, (byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id, 0, 0, 0]);
        await session.ReplyAsync(second, new MetadataResponse { ClusterId = "fine" });

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => bad.WaitAsync(ScriptedPeer.Bounded));
        Assert.StartsWith("Could not decode the Metadata v12 reply", error.Message, StringComparison.Ordinal);
        Assert.Equal("fine", ((MetadataResponse)await good.WaitAsync(ScriptedPeer.Bounded)).ClusterId);
        Assert.True(connection.IsAlive);
    }

    [Fact]
    public async Task Dispose_fails_pending_requests_and_closes_the_socket()
    {
        await using var peer = new ScriptedPeer();
        var (connection, session) = await Connected.ToAsync(peer);

        var first = Metadata(connection);
        var second = Metadata(connection);
        await session.ReadRequestAsync();
        await session.ReadRequestAsync();
        await connection.DisposeAsync().AsTask().WaitAsync(ScriptedPeer.Bounded);

        var failure = await Assert.ThrowsAsync<KafkaConnectionException>(() => first.WaitAsync(ScriptedPeer.Bounded));
        Assert.Equal($"Connection to 127.0.0.1:{peer.Port} is closed.", failure.Message);
        Assert.Same(failure, await Assert.ThrowsAsync<KafkaConnectionException>(() => second.WaitAsync(ScriptedPeer.Bounded)));
        await Assert.ThrowsAsync<KafkaConnectionException>(() => connection.SendWithoutReplyAsync(ApiKey.Produce, new ProduceRequest(), version: 9));
        await session.WaitForCloseAsync();
        await connection.DisposeAsync();
    }

    [Fact]
    public async Task Nothing_listening_is_a_clear_connect_error()
    {
        int port;
        await using (var closed = new ScriptedPeer())
            port = closed.Port;

        var error = await Assert.ThrowsAsync<KafkaConnectionException>(() => KafkaConnection.ConnectAsync("127.0.0.1", port, Connected.Options()));
        Assert.StartsWith($"Could not connect to 127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }
}
