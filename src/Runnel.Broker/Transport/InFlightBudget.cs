namespace Runnel.Broker.Transport;

/// <summary>
/// Bounds the request bytes a connection holds between reading a frame and sending its reply. A frame larger than
/// the whole budget is still admitted when nothing else is in flight, so no valid request can deadlock.
/// </summary>
internal sealed class InFlightBudget(long limit)
{
    private readonly object _gate = new();
    private long _inUse;
    private TaskCompletionSource? _released;

    public long InUse => Interlocked.Read(ref _inUse);

    public async ValueTask AcquireAsync(int bytes, CancellationToken cancellation)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_inUse == 0 || _inUse + bytes <= limit)
                {
                    _inUse += bytes;
                    return;
                }
                _released ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _released.Task;
            }
            await wait.WaitAsync(cancellation).ConfigureAwait(false);
        }
    }

    public void Release(int bytes)
    {
        TaskCompletionSource? released;
        lock (_gate)
        {
            _inUse -= bytes;
            released = _released;
            _released = null;
        }
        released?.TrySetResult();
    }
}
