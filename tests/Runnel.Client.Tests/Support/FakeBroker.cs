using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Client.Tests.Support;

/// <summary>A request as the fake broker saw it.</summary>
internal sealed record SeenRequest(RequestHeader Header, byte[] Frame, int BodyStart);

/// <summary>
/// A scripted broker on a loopback port for connection tests: it reads request frames and writes whatever the
/// test's handler returns (reply bytes, or null for no reply). Replies use the protocol's own framing helpers.
/// </summary>
internal sealed class FakeBroker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<SeenRequest, byte[]?> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<Socket> _sockets = [];

    public FakeBroker(Func<SeenRequest, byte[]?> handler)
    {
        _handler = handler;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public List<SeenRequest> Seen { get; } = [];

    /// <summary>Closes every accepted connection (the broker going away mid-conversation).</summary>
    public void DropConnections()
    {
        lock (_sockets)
        {
            foreach (var socket in _sockets)
                socket.Dispose();
        }
    }

    public static byte[] Reply(SeenRequest request, IKafkaMessage body, int? correlationId = null)
    {
        using var writer = new KafkaWriter();
        Framing.WriteResponse(writer, correlationId ?? request.Header.CorrelationId, request.Header.RequestApiKey, request.Header.RequestApiVersion, body);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>ApiVersions listing the given (key, min, max) entries, at the version the client asked for.</summary>
    public static byte[] ApiVersions(SeenRequest request, params (short Key, short Min, short Max)[] apis)
        => Reply(request, new ApiVersionsResponse
        {
            ApiKeys = [.. apis.Select(a => new ApiVersionsResponse.ApiVersion { ApiKey = a.Key, MinVersion = a.Min, MaxVersion = a.Max })],
        });

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
                lock (_sockets)
                    _sockets.Add(socket);
                _ = ServeAsync(socket);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: true);
            var size = new byte[4];
            while (true)
            {
                await stream.ReadExactlyAsync(size, _stop.Token).ConfigureAwait(false);
                var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
                await stream.ReadExactlyAsync(frame, _stop.Token).ConfigureAwait(false);
                var request = Parse(frame);
                lock (Seen)
                    Seen.Add(request);
                if (_handler(request) is { } reply)
                    await stream.WriteAsync(reply, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException or EndOfStreamException)
        {
        }
    }

    private static SeenRequest Parse(byte[] frame)
    {
        var reader = new KafkaReader(frame);
        var header = Framing.ReadRequestHeader(ref reader, frame);
        return new SeenRequest(header, frame, reader.Position);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        DropConnections();
        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }
}
