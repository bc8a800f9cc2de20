using System.Buffers.Binary;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Net;

/// <summary>The writer, the reader, and the single way a connection dies.</summary>
public sealed partial class KafkaConnection
{
    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var frame in _outbox.Reader.ReadAllAsync(_closing.Token).ConfigureAwait(false))
            {
                using (frame)
                {
                    // Only closing cancels a write: a frame cut short by a caller's token would desynchronise the stream.
                    await _stream.WriteAsync(frame.Bytes, _closing.Token).ConfigureAwait(false);
                    frame.Sent();
                }
            }
        }
        catch (Exception e)
        {
            Fail(Describe(e, "while sending"));
        }
        finally
        {
            // Fail completed the outbox under the lock, so nothing is added after this drain.
            while (_outbox.Reader.TryRead(out var left))
            {
                left.Dropped(_failure!);
                left.Dispose();
            }
        }
    }

    private async Task ReadLoopAsync()
    {
        var sizeBytes = new byte[4];
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(sizeBytes, _closing.Token).ConfigureAwait(false);
                var size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
                if (size < 4 || size > _options.MaxResponseBytes)
                    throw new KafkaConnectionException($"{Name} sent a reply frame of {size} bytes; the stream is corrupt.");
                // A fresh array per reply: decoded records are slices of it and live as long as the caller keeps them.
                var frame = new byte[size];
                await _stream.ReadExactlyAsync(frame, _closing.Token).ConfigureAwait(false);
                InFlightRequest? request;
                lock (_lock)
                    _inFlight.TryDequeue(out request);
                if (request is null)
                    throw new KafkaConnectionException($"{Name} sent a reply to no request.");
                var reader = new KafkaReader(frame);
                var header = new ResponseHeader();
                header.Read(ref reader, Framing.ResponseHeaderVersion((short)request.Key, request.Version));
                // Already dequeued, so Fail would not reach it: fail it here with the same reason.
                var outOfStep = reader.Failed ? new KafkaConnectionException($"{Name} sent an unreadable reply header: {reader.Failure}")
                    : header.CorrelationId != request.CorrelationId ? new KafkaConnectionException(
                        $"{Name} answered out of order (expected correlation id {request.CorrelationId}, got {header.CorrelationId}).")
                    : null;
                if (outOfStep is not null)
                {
                    Fail(outOfStep);
                    request.Fail(outOfStep);
                    return;
                }
                request.Complete(frame, reader.Position);
            }
        }
        catch (Exception e)
        {
            Fail(Describe(e, "while reading"));
        }
    }

    private KafkaConnectionException Describe(Exception e, string during) => e switch
    {
        KafkaConnectionException known => known,
        // Closing disposed the socket under a read or write: the reason is already set.
        _ when Volatile.Read(ref _failure) is { } failure => failure,
        EndOfStreamException => new KafkaConnectionException($"{Name} closed the connection.", e),
        _ => new KafkaConnectionException($"Connection to {Name} failed {during}: {e.Message}", e),
    };

    /// <summary>Marks the connection dead (the first reason wins), closes the socket and fails every waiting request.</summary>
    private void Fail(KafkaConnectionException reason)
    {
        List<InFlightRequest> waiting;
        List<(OutgoingFrame Frame, InFlightRequest? Pending, TimeSpan Timeout)> held;
        lock (_lock)
        {
            if (_failure is not null)
                return;
            _failure = reason;
            _outbox.Writer.TryComplete();
            waiting = [.. _inFlight];
            _inFlight.Clear();
            held = _held ?? [];
            _held = null;
        }
        _closing.Cancel();
        _reauthenticationTimer?.Dispose();
        // Disposing the socket ends a read or write in progress at once.
        _socket.Dispose();
        foreach (var request in waiting)
            request.Fail(reason);
        foreach (var (frame, pending, _) in held)
        {
            pending?.Fail(reason);
            frame.Dropped(reason);
            frame.Dispose();
        }
    }

    /// <summary>Closes the connection, failing what is still waiting, and returns once both loops have ended.</summary>
    public async ValueTask DisposeAsync()
    {
        Fail(new KafkaConnectionException($"Connection to {Name} is closed."));
        await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _closing.Dispose();
    }
}
