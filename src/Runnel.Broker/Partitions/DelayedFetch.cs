namespace Runnel.Broker.Partitions;

/// <summary>
/// A fetch that found fewer than its minimum bytes and waits (Kafka's DelayedFetch, franz-go kfake's watchFetch). It
/// watches each partition it asked for from the position its first read reached; every append (a replica's fetch
/// waits on the log end) or high watermark advance (a consumer's on the high watermark) that a partition reports
/// adds up what is now there, without reading. It completes when the bytes reach the minimum, when a watched
/// partition changes leadership or goes away, or when its owner gives up (timeout, closed connection); the fetch then
/// reads each partition once.
/// </summary>
internal sealed class DelayedFetch : IDisposable
{
    private readonly List<(Partition Partition, long From, bool Replica, bool Counted)> _watched = [];
    private readonly List<long> _available = [];
    private readonly long _minBytes;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sum;
    private bool _started;

    public DelayedFetch(long minBytes, long alreadyRead)
    {
        _minBytes = minBytes;
        _sum = alreadyRead;
    }

    public Task Completion => _done.Task;

    /// <summary>
    /// Watches <paramref name="partition"/> from <paramref name="from"/> (the offset after what the first read
    /// returned). An uncounted partition (a throttled replica's, as Kafka's DelayedFetch skips those) only ends the wait
    /// by a leadership change.
    /// </summary>
    public void Add(Partition partition, long from, bool replica, bool counted = true)
    {
        if (_started)
            throw new InvalidOperationException("Partitions are added before the wait starts.");
        _watched.Add((partition, from, replica, counted));
        _available.Add(0);
    }

    /// <summary>Registers with every partition, then counts once (an append between the read and now is not missed).</summary>
    public void Start()
    {
        _started = true;
        for (var i = 0; i < _watched.Count; i++)
            _watched[i].Partition.Watch(this, i);
        for (var i = 0; i < _watched.Count; i++)
            OnProgress(i);
    }

    public bool WatchesReplicaEnd(int index) => _watched[index].Replica;

    /// <summary>A watched partition moved its end (or high watermark): recount its share.</summary>
    public void OnProgress(int index)
    {
        var (partition, from, replica, counted) = _watched[index];
        if (!counted)
            return;
        var now = partition.BytesAvailable(from, replica);
        lock (_available)
        {
            _sum += Math.Min(now, long.MaxValue / 4) - _available[index];
            _available[index] = Math.Min(now, long.MaxValue / 4);
            if (_sum < _minBytes)
                return;
        }
        _done.TrySetResult();
    }

    /// <summary>A watched partition changed in a way that needs a fresh read (leadership, deletion).</summary>
    public void Wake() => _done.TrySetResult();

    public void Dispose()
    {
        _done.TrySetResult();
        if (!_started)
            return;
        foreach (var (partition, _, _, _) in _watched)
            partition.Unwatch(this);
    }
}
