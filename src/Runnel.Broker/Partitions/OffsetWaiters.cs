using Runnel.Protocol;

namespace Runnel.Broker.Partitions;

/// <summary>
/// Kafka's DelayedProduce purgatory for one partition: callers wait for the high watermark to reach an offset, and the
/// advance that reaches it completes them (no polling). Waiters complete with NONE, or with the error that ended the
/// wait for everyone (the partition stopped being led here). Thread-safe.
/// </summary>
internal sealed class OffsetWaiters
{
    private readonly PriorityQueue<TaskCompletionSource<ErrorCode>, long> _waiting = new();
    private long _reached;
    private ErrorCode _closed = ErrorCode.None;

    /// <summary>Completes once <see cref="Advance"/> reaches <paramref name="offset"/>; at once if it already has.</summary>
    public Task<ErrorCode> WaitFor(long offset)
    {
        lock (_waiting)
        {
            if (_closed != ErrorCode.None)
                return Task.FromResult(_closed);
            if (offset <= _reached)
                return Task.FromResult(ErrorCode.None);
            var waiter = new TaskCompletionSource<ErrorCode>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(waiter, offset);
            return waiter.Task;
        }
    }

    /// <summary>Everything up to <paramref name="offset"/> is reached: waiters at or below it complete.</summary>
    public void Advance(long offset)
    {
        List<TaskCompletionSource<ErrorCode>>? done = null;
        lock (_waiting)
        {
            _reached = Math.Max(_reached, offset);
            while (_waiting.TryPeek(out var waiter, out var wanted) && wanted <= _reached)
            {
                _waiting.Dequeue();
                (done ??= []).Add(waiter);
            }
        }
        foreach (var waiter in done ?? [])
            waiter.TrySetResult(ErrorCode.None);
    }

    /// <summary>
    /// Ends every wait with <paramref name="error"/> and refuses new ones with it until <see cref="Reopen"/> (the
    /// partition lost its leadership: the offsets may never be replicated under this leader).
    /// </summary>
    public void Close(ErrorCode error)
    {
        List<TaskCompletionSource<ErrorCode>> failed = [];
        lock (_waiting)
        {
            _closed = error;
            while (_waiting.TryDequeue(out var waiter, out _))
                failed.Add(waiter);
        }
        foreach (var waiter in failed)
            waiter.TrySetResult(error);
    }

    /// <summary>Accepts waits again, from <paramref name="reached"/> (a new leadership).</summary>
    public void Reopen(long reached)
    {
        lock (_waiting)
        {
            _closed = ErrorCode.None;
            _reached = reached;
        }
    }
}
