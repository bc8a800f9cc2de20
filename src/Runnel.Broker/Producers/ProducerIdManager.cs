namespace Runnel.Broker.Producers;

/// <summary>
/// Hands out producer ids from blocks the metadata quorum allocates (Kafka's ProducerIdsRecord), so ids never repeat
/// across restarts or nodes. One block serves a thousand producers; the next is committed when it runs out.
/// </summary>
internal sealed class ProducerIdManager(Func<CancellationToken, Task<(long Start, long End)>> allocateBlock) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _next;
    private long _end;

    public async Task<long> NextAsync(CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            if (_next >= _end)
                (_next, _end) = await allocateBlock(cancellation).ConfigureAwait(false);
            return _next++;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
