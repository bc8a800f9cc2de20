using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Raft;

namespace Runnel.Broker.Quorum;

/// <summary>
/// A broker-only node's connection to the active controller (Kafka's NodeToControllerChannelManager): the quorum
/// leader this node follows, reached at its controller.quorum.voters address. One request at a time; a channel per
/// purpose (heartbeats, forwarded admin requests) so a slow commit never delays a heartbeat. A failed or unanswered
/// request drops the connection and returns null, and the caller retries, by then perhaps towards a new leader.
/// </summary>
internal sealed class ControllerChannel(int nodeId, string purpose, Func<int?> activeController, QuorumVoters voters, ILogger logger) : IDisposable
{
    private const int MaxFrameBytes = 64 * 1024 * 1024;

    private readonly SemaphoreSlim _serial = new(1, 1);
    private Socket? _socket;
    private int _connectedTo = -1;
    private int _nextCorrelationId;

    /// <summary>The controller the next request goes to, or null while no leader is known.</summary>
    public int? Target => activeController() is { } id && voters.Contains(id) ? id : null;

    /// <summary>
    /// Sends <paramref name="request"/> at <paramref name="version"/> to the active controller and decodes its answer;
    /// null when no controller is known, the connection fails, or nothing comes back within <paramref name="timeout"/>.
    /// </summary>
    public async Task<TResponse?> TrySendAsync<TResponse>(ApiKey api, short version, IKafkaMessage request, TimeSpan timeout, CancellationToken cancellation)
        where TResponse : class, IKafkaMessage, new()
    {
        if (Target is not { } target)
            return null;
        await _serial.WaitAsync(cancellation).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            if (_socket is null || _connectedTo != target)
                await ConnectAsync(voters[target], deadline.Token).ConfigureAwait(false);
            var correlationId = ++_nextCorrelationId;
            using (var writer = new KafkaWriter(512))
            {
                var header = new RequestHeader { RequestApiKey = (short)api, RequestApiVersion = version, CorrelationId = correlationId, ClientId = $"runnel-broker-{nodeId}-{purpose}" };
                Framing.WriteRequest(writer, header, request);
                await _socket!.SendAsync(writer.WrittenMemory, deadline.Token).ConfigureAwait(false);
            }
            var frame = await ReadFrameAsync(_socket, deadline.Token).ConfigureAwait(false);
            var reader = new KafkaReader(frame);
            var responseHeader = new ResponseHeader();
            responseHeader.Read(ref reader, Framing.ResponseHeaderVersion((short)api, version));
            var response = new TResponse();
            response.Read(ref reader, version);
            if (reader.Failed || responseHeader.CorrelationId != correlationId)
                throw new IOException($"unreadable {api} response: {reader.Failure ?? "wrong correlation id"}");
            return response;
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException
            || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            logger.LogDebug("{Api} to controller {Controller} failed ({Purpose}): {Message}", api, target, purpose, e.Message);
            Drop();
            return null;
        }
        finally
        {
            _serial.Release();
        }
    }

    private async Task ConnectAsync(VoterEndpoint controller, CancellationToken cancellation)
    {
        Drop();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(controller.Host, controller.Port, cancellation).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        _connectedTo = controller.Id;
    }

    private static async Task<byte[]> ReadFrameAsync(Socket socket, CancellationToken cancellation)
    {
        var size = new byte[4];
        await ReadExactlyAsync(socket, size, cancellation).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32BigEndian(size);
        if (length is < 4 or > MaxFrameBytes)
            throw new IOException($"bad frame size {length}");
        var frame = new byte[length];
        await ReadExactlyAsync(socket, frame, cancellation).ConfigureAwait(false);
        return frame;
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellation)
    {
        while (buffer.Length > 0)
        {
            var read = await socket.ReceiveAsync(buffer, cancellation).ConfigureAwait(false);
            if (read == 0)
                throw new IOException("connection closed");
            buffer = buffer[read..];
        }
    }

    private void Drop()
    {
        _socket?.Dispose();
        _socket = null;
        _connectedTo = -1;
    }

    /// <summary>Closes the connection. The semaphore is left to the collector: a request still unwinding may release it.</summary>
    public void Dispose() => Drop();
}
