using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Security;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Transport;

/// <summary>
/// One client socket. A read loop cuts the byte stream into frames and dispatches them in order; a write loop sends
/// replies in the same order. A request is not read until the one before it has its reply, except after requests
/// that allow pipelining (Produce), which keeps Kafka's in-order semantics while letting group commit batch fsyncs.
/// Frames are checked against socket.request.max.bytes before anything is allocated; queued request bytes are
/// bounded, so a fast client is slowed down rather than buffered without limit.
/// </summary>
internal sealed partial class ClientConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ListenerSecurity _security;
    private Stream _stream;
    private PipeReader? _input;
    private readonly RequestPipeline _pipeline;
    private readonly ConnectionInfo _info;
    private readonly ILogger _logger;
    private readonly int _maxFrameBytes;
    private readonly InFlightBudget _budget;
    private readonly CancellationTokenSource _closing;
    private readonly Channel<QueuedReply> _replies = Channel.CreateBounded<QueuedReply>(
        new BoundedChannelOptions(128) { SingleReader = true, SingleWriter = true });

    private long _lastActivity;
    private int _disposed;

    /// <summary>A reply to write in turn; a <see cref="Barrier"/> entry writes nothing and completes once every reply before it is written.</summary>
    private readonly record struct QueuedReply(PendingResponse Response, IKafkaMessage? CompletedBody, bool Completed, byte[] Frame, int FrameSize,
        TaskCompletionSource? Barrier = null);

    public ClientConnection(Socket socket, ConnectionInfo info, ListenerSecurity security, RequestPipeline pipeline, int maxFrameBytes,
        long maxQueuedBytes, ILogger logger, TimeProvider time, CancellationToken brokerStopping)
    {
        _socket = socket;
        _security = security;
        _time = time;
        _lastActivity = time.GetTimestamp();
        _stream = new NetworkStream(socket, ownsSocket: true);
        _info = info;
        _pipeline = pipeline;
        _maxFrameBytes = maxFrameBytes;
        _budget = new InFlightBudget(maxQueuedBytes);
        _logger = logger;
        _closing = CancellationTokenSource.CreateLinkedTokenSource(brokerStopping);
    }

    public ConnectionInfo Info => _info;

    /// <summary>Milliseconds since the last byte in or out, for the idle sweep (connections.max.idle.ms).</summary>
    public long IdleMilliseconds => (long)_time.GetElapsedTime(Interlocked.Read(ref _lastActivity)).TotalMilliseconds;

    /// <summary>True while a request is being served or a reply is queued; idle sweeps skip such connections.</summary>
    public bool IsBusy => _budget.InUse > 0;

    public async Task RunAsync()
    {
        try
        {
            if (!await SecureAsync().ConfigureAwait(false))
            {
                await DisposeAsync().ConfigureAwait(false);
                return;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.LogDebug("Connection {Id} from {Remote} ended before it was authenticated: {Reason}", _info.Id, _info.Remote, e.Message);
            await DisposeAsync().ConfigureAwait(false);
            return;
        }
        var writer = WriteLoopAsync();
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.LogDebug("Connection {Id} from {Remote} ended: {Reason}", _info.Id, _info.Remote, e.Message);
        }
        finally
        {
            _replies.Writer.TryComplete();
        }
        await writer.ConfigureAwait(false);
        await DisposeAsync().ConfigureAwait(false);
    }

    public void Close(string reason)
    {
        if (Volatile.Read(ref _disposed) != 0)
            return;
        _logger.LogWarning("Closing connection {Id} from {Remote}: {Reason}", _info.Id, _info.Remote, reason);
        _closing.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _closing.Cancel();
        if (_input is not null)
            await _input.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _closing.Dispose();
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivity, _time.GetTimestamp());

    /// <summary>Reads the size prefix of the next frame, or says why the connection must close.</summary>
    private static bool TryReadFrameSize(in ReadOnlySequence<byte> buffer, int maxFrameBytes, string limitKey, out int size,
        out string? closeReason)
    {
        size = 0;
        closeReason = null;
        if (buffer.Length < 4)
            return false;
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (size < 0 || size > maxFrameBytes)
        {
            // 0x16 0x03 is a TLS record header: a TLS client on a plaintext port shows up as a huge frame.
            var tls = prefix[0] == 0x16 && prefix[1] == 0x03 ? " (looks like a TLS handshake on a plaintext listener)" : "";
            closeReason = $"frame size {size} outside 0..{maxFrameBytes} ({limitKey}){tls}";
            return false;
        }
        return true;
    }
}
