using System.Buffers;
using Microsoft.Extensions.Logging;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Transport;

/// <summary>The read loop (frames in, requests dispatched) and the write loop (replies out, in order).</summary>
internal sealed partial class ClientConnection
{
    private async Task ReadLoopAsync()
    {
        var cancellation = _closing.Token;
        var input = _input!;
        while (!cancellation.IsCancellationRequested)
        {
            var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
            var buffer = result.Buffer;
            Touch();
            while (true)
            {
                if (!TryReadFrameSize(buffer, _maxFrameBytes, "socket.request.max.bytes", out var size, out var closeReason))
                {
                    if (closeReason is not null)
                    {
                        Close(closeReason);
                        return;
                    }
                    break;
                }
                if (buffer.Length < 4L + size)
                    break;
                var arrived = _time.GetTimestamp();
                await _budget.AcquireAsync(size, cancellation).ConfigureAwait(false);
                await WaitWhileMutedAsync(cancellation).ConfigureAwait(false);
                // The request's byte fields (records) are slices of this copy, which lives until the reply is sent.
                var frame = ArrayPool<byte>.Shared.Rent(size);
                buffer.Slice(4, size).CopyTo(frame);
                buffer = buffer.Slice(4L + size);
                if (!await DispatchAsync(frame, size, arrived, cancellation).ConfigureAwait(false))
                    return;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
                return;
        }
    }

    /// <summary>A throttled connection (KIP-219) reads its next request once the throttle time has passed, on a timer.</summary>
    private async ValueTask WaitWhileMutedAsync(CancellationToken cancellation)
    {
        if (_info.MutedUntil is not { } until)
            return;
        _info.MutedUntil = null;
        var remaining = until - _time.GetUtcNow();
        if (remaining > TimeSpan.Zero)
            await Task.Delay(remaining, _time, cancellation).ConfigureAwait(false);
    }

    /// <summary>Starts one request and queues its reply; false when the connection must close.</summary>
    private async ValueTask<bool> DispatchAsync(byte[] frame, int size, long arrived, CancellationToken cancellation)
    {
        if (_reauthentication is not null || StartsReauthentication(frame.AsSpan(0, size)))
            return await ReauthenticateAsync(frame, size, cancellation).ConfigureAwait(false);
        if (SessionExpired())
        {
            ArrayPool<byte>.Shared.Return(frame);
            _budget.Release(size);
            Close("its SASL session expired without re-authentication (connections.max.reauth.ms)");
            return false;
        }
        var pending = _pipeline.Dispatch(frame.AsMemory(0, size), _info, cancellation, arrived);
        if (pending.CloseReason is not null)
        {
            ArrayPool<byte>.Shared.Return(frame);
            _budget.Release(size);
            Close(pending.CloseReason);
            return false;
        }
        if (pending.AllowsPipelining)
        {
            await _replies.Writer.WriteAsync(new QueuedReply(pending, null, false, frame, size), cancellation).ConfigureAwait(false);
            return true;
        }
        IKafkaMessage? body;
        try
        {
            body = await pending.Body.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            pending.Context?.ReleaseResources();
            ArrayPool<byte>.Shared.Return(frame);
            _budget.Release(size);
            _logger.LogError(e, "Request {Api} v{Version} failed on connection {Id}", pending.ApiKey, pending.ApiVersion, _info.Id);
            Close("request handler failed");
            return false;
        }
        await _replies.Writer.WriteAsync(new QueuedReply(pending, body, true, frame, size), cancellation).ConfigureAwait(false);
        return true;
    }

    private async Task WriteLoopAsync()
    {
        using var encoder = new KafkaWriter(64 * 1024);
        try
        {
            await foreach (var reply in _replies.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (reply.Barrier is { } barrier)
                {
                    barrier.TrySetResult();
                    continue;
                }
                try
                {
                    var body = reply.Completed ? reply.CompletedBody : await reply.Response.Body.ConfigureAwait(false);
                    if (body is null || _closing.IsCancellationRequested)
                    {
                        if (body is null)
                            _pipeline.Completed(reply.Response);
                        continue;
                    }
                    encoder.Reset();
                    Framing.WriteResponse(encoder, reply.Response.CorrelationId, reply.Response.ApiKey, reply.Response.ApiVersion, body);
                    // Straight from the encoder to the socket: one reply is one write, and a pipe would only add a copy.
                    await _stream.WriteAsync(encoder.WrittenMemory, _closing.Token).ConfigureAwait(false);
                    _pipeline.Completed(reply.Response);
                    Touch();
                }
                finally
                {
                    reply.Response.Context?.ReleaseResources();
                    ArrayPool<byte>.Shared.Return(reply.Frame);
                    _budget.Release(reply.FrameSize);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            _logger.LogDebug("Connection {Id} stopped writing: {Reason}", _info.Id, e.Message);
            _closing.Cancel();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Reply failed on connection {Id}", _info.Id);
            _closing.Cancel();
        }
        finally
        {
            // Return the frames of replies that will never be written.
            while (_replies.Reader.TryRead(out var left))
            {
                if (left.Barrier is { } barrier)
                {
                    barrier.TrySetCanceled();
                    continue;
                }
                left.Response.Context?.ReleaseResources();
                ArrayPool<byte>.Shared.Return(left.Frame);
            }
        }
    }
}
