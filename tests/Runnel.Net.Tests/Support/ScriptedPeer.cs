using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Net.Tests.Support;

/// <summary>A request frame as the peer read it.</summary>
internal sealed record SeenRequest(RequestHeader Header, byte[] Frame, int BodyStart)
{
    public T Body<T>()
        where T : IKafkaMessage, new()
    {
        var body = new T();
        var reader = new KafkaReader(Frame.AsMemory(BodyStart));
        body.Read(ref reader, Header.RequestApiVersion);
        Assert.False(reader.Failed, reader.Failure);
        return body;
    }
}

/// <summary>
/// A raw TCP peer on a free loopback port that the test drives step by step: accept, read a request, answer it
/// (or not, or with broken bytes), reset. Every wait is bounded, so a broken connection fails the test, not hangs it.
/// </summary>
internal sealed class ScriptedPeer : IAsyncDisposable
{
    public static readonly TimeSpan Bounded = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<PeerSession> _sessions = [];

    public ScriptedPeer() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task<PeerSession> AcceptAsync()
    {
        var socket = await _listener.AcceptSocketAsync().WaitAsync(Bounded);
        var session = new PeerSession(socket);
        _sessions.Add(session);
        return session;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        foreach (var session in _sessions)
            await session.DisposeAsync();
    }
}

internal sealed class PeerSession(Socket socket) : IAsyncDisposable
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);

    public async Task<SeenRequest> ReadRequestAsync()
    {
        var size = new byte[4];
        await _stream.ReadExactlyAsync(size).AsTask().WaitAsync(ScriptedPeer.Bounded);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        await _stream.ReadExactlyAsync(frame).AsTask().WaitAsync(ScriptedPeer.Bounded);
        var reader = new KafkaReader(frame);
        var header = Framing.ReadRequestHeader(ref reader, frame);
        Assert.False(reader.Failed, reader.Failure);
        return new SeenRequest(header, frame, reader.Position);
    }

    public Task WriteAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask().WaitAsync(ScriptedPeer.Bounded);

    /// <summary>Answers at the request's version, with its correlation id unless the test names another.</summary>
    public Task ReplyAsync(SeenRequest request, IKafkaMessage body, int? correlationId = null, short? version = null)
        => WriteAsync(Reply(request, body, correlationId, version));

    public static byte[] Reply(SeenRequest request, IKafkaMessage body, int? correlationId = null, short? version = null)
    {
        using var writer = new KafkaWriter();
        Framing.WriteResponse(writer, correlationId ?? request.Header.CorrelationId, request.Header.RequestApiKey, version ?? request.Header.RequestApiVersion, body);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Closes with a TCP reset rather than a clean FIN, as a crashed peer or a middlebox does.</summary>
    public void Reset()
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>Completes once the other side has closed the connection (reads until end of stream).</summary>
    public async Task WaitForCloseAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(buffer).AsTask().WaitAsync(ScriptedPeer.Bounded) > 0)
            {
            }
        }
        catch (IOException)
        {
            // A reset is a close too.
        }
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
