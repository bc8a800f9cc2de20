using System.Buffers.Binary;

namespace Runnel.Client.Network;

/// <summary>The read loop and the single way a connection dies.</summary>
internal sealed partial class BrokerConnection
{
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
                    throw new BrokerConnectionException($"{Name} sent a reply frame of {size} bytes; the stream is corrupt.");
                // A fresh array per reply: decoded records are slices of it and live as long as the caller keeps them.
                var frame = new byte[size];
                await _stream.ReadExactlyAsync(frame, _closing.Token).ConfigureAwait(false);
                PendingRequest? pending;
                lock (_pending)
                    _pending.TryDequeue(out pending);
                if (pending is null)
                    throw new BrokerConnectionException($"{Name} sent a reply to no request.");
                if (!pending.Complete(frame))
                {
                    // Already dequeued, so Fail below would not reach it: fail it here with the same reason.
                    var outOfStep = new BrokerConnectionException($"{Name} answered out of order (expected correlation id {pending.CorrelationId}).");
                    pending.Completion.TrySetException(outOfStep);
                    throw outOfStep;
                }
            }
        }
        catch (Exception e)
        {
            Fail(e switch
            {
                BrokerConnectionException => e,
                EndOfStreamException => new BrokerConnectionException($"{Name} closed the connection.", e),
                OperationCanceledException => new BrokerConnectionException($"Connection to {Name} is closed.", e),
                _ => new BrokerConnectionException($"Connection to {Name} failed: {e.Message}", e),
            });
        }
    }

    /// <summary>Marks the connection dead (first reason wins), closes the socket and fails every waiting request.</summary>
    private void Fail(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _failure, reason, null) is not null)
            return;
        _closing.Cancel();
        _socket.Dispose();
        List<PendingRequest> waiting;
        lock (_pending)
        {
            waiting = [.. _pending];
            _pending.Clear();
        }
        foreach (var pending in waiting)
            pending.Completion.TrySetException(reason);
    }

    public async ValueTask DisposeAsync()
    {
        Fail(new BrokerConnectionException($"Connection to {Name} is closed."));
        await _readLoop.ConfigureAwait(false);
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _writer.Dispose();
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
