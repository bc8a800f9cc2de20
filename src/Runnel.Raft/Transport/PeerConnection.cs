using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Raft.Messages;

namespace Runnel.Raft.Transport;

/// <summary>
/// One outbound connection to a voter: a writer that sends queued requests in order and a reader that matches
/// responses by correlation id. A broken connection drops what was in flight (the core retries after its request
/// timeout, as for any lost message) and is re-established for the next request.
/// </summary>
internal sealed class PeerConnection : IAsyncDisposable
{
    private const int MaxFrameBytes = 64 * 1024 * 1024;

    /// <summary>
    /// A request unanswered this long means the connection is dead without having said so (a peer that vanished
    /// behind a partition, no RST): drop it and connect again rather than keep writing into it.
    /// </summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(5);

    private readonly int _self;
    private readonly VoterEndpoint _peer;
    private readonly Action<RaftMessage> _deliver;
    private readonly ILogger _logger;
    private readonly Channel<RaftMessage> _queue = Channel.CreateUnbounded<RaftMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<int, (ApiKey Api, long SentAt)> _pending = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;

    public PeerConnection(int self, VoterEndpoint peer, Action<RaftMessage> deliver, ILogger logger)
    {
        _self = self;
        _peer = peer;
        _deliver = deliver;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public void Enqueue(RaftMessage message) => _queue.Writer.TryWrite(message);

    private async Task WriteLoopAsync()
    {
        var token = _stopping.Token;
        using var writer = new KafkaWriter(4096);
        while (!token.IsCancellationRequested)
        {
            Socket? socket = null;
            try
            {
                var first = await _queue.Reader.ReadAsync(token).ConfigureAwait(false);
                socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                using var connect = CancellationTokenSource.CreateLinkedTokenSource(token);
                connect.CancelAfter(TimeSpan.FromSeconds(2));
                await socket.ConnectAsync(_peer.Host, _peer.Port, connect.Token).ConfigureAwait(false);
                var reader = ReadLoopAsync(socket, token);
                var message = first;
                while (true)
                {
                    if (_pending.Values.Any(p => Stopwatch.GetElapsedTime(p.SentAt) > StaleAfter))
                        throw new IOException($"{_peer} stopped answering.");
                    writer.Reset();
                    var version = RaftWire.Version(message.Api);
                    var header = new RequestHeader { RequestApiKey = (short)message.Api, RequestApiVersion = version, CorrelationId = message.CorrelationId, ClientId = $"runnel-raft-{_self}" };
                    Framing.WriteRequest(writer, header, message.Body);
                    _pending[message.CorrelationId] = (message.Api, Stopwatch.GetTimestamp());
                    await socket.SendAsync(writer.WrittenMemory, token).ConfigureAwait(false);
                    if (reader.IsCompleted)
                        break;
                    message = await _queue.Reader.ReadAsync(token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                if (!token.IsCancellationRequested)
                {
                    _logger.LogDebug("Quorum connection to {Peer} failed: {Message}", _peer, e.Message);
                    await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                }
            }
            finally
            {
                socket?.Dispose();
                _pending.Clear();
            }
        }
    }

    private async Task ReadLoopAsync(Socket socket, CancellationToken token)
    {
        var size = new byte[4];
        try
        {
            while (true)
            {
                await ReadExactlyAsync(socket, size, token).ConfigureAwait(false);
                var length = BinaryPrimitives.ReadInt32BigEndian(size);
                if (length is < 4 or > MaxFrameBytes)
                    throw new IOException($"Bad frame size {length} from {_peer}.");
                var frame = new byte[length];
                await ReadExactlyAsync(socket, frame, token).ConfigureAwait(false);
                var correlationId = BinaryPrimitives.ReadInt32BigEndian(frame);
                if (!_pending.TryRemove(correlationId, out var pending))
                    continue;
                var api = pending.Api;
                var version = RaftWire.Version(api);
                var reader = new KafkaReader(frame);
                new ResponseHeader().Read(ref reader, Framing.ResponseHeaderVersion((short)api, version));
                if (reader.Failed)
                    throw new IOException($"Unreadable response header from {_peer}.");
                var body = RaftWire.Decode(api, request: false, frame.AsMemory(reader.Position), version);
                _deliver(new RaftMessage(_peer.Id, _self, correlationId, api, IsRequest: false, body));
            }
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidDataException)
        {
            socket.Dispose();
        }
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken token)
    {
        while (buffer.Length > 0)
        {
            var read = await socket.ReceiveAsync(buffer, token).ConfigureAwait(false);
            if (read == 0)
                throw new IOException("Connection closed.");
            buffer = buffer[read..];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
