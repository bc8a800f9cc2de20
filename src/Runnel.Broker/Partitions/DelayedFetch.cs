namespace Runnel.Broker.Partitions;

/// <summary>
/// How far a waiting fetch may read on a partition, which is what it waits on: a replica the log end, a
/// read_uncommitted consumer the high watermark, a read_committed one the last stable offset (Kafka's FetchIsolation).
/// </summary>
internal enum FetchBound
{
    LogEnd,
    HighWatermark,
    LastStable,
}

/// <summary>
/// A fetch that found fewer than its minimum bytes and waits (Kafka's DelayedFetch, franz-go kfake's watchFetch). It
/// watches each partition it asked for from the position its first read reached, up to the bound it may read to
/// (<see cref="FetchBound"/>); every append (a replica's fetch waits on the log end), high watermark advance (a
/// consumer's on the high watermark) or last stable offset move (a read_committed consumer's: a high watermark advance
/// or a marker) that a partition reports adds up what is now below that bound, without reading, so a read_committed
/// fetch is not answered early when the high watermark moved over an open transaction. It completes when the bytes reach the minimum, when a watched
/// partition changes leadership or goes away, or when its owner gives up (timeout, closed connection); the fetch then
/// reads each partition once.
/// </summary>
internal sealed class DelayedFetch : IDisposable
{
    private readonly List<(Partition Partition, long From, FetchBound Bound, bool Counted)> _watched = [];
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
    /// returned) up to <paramref name="bound"/>. An uncounted partition (a throttled replica's, as Kafka's DelayedFetch skips those) only ends the wait
    /// by a leadership change.
    /// </summary>
    public void Add(Partition partition, long from, FetchBound bound, bool counted = true)
    {
        if (_started)
            throw new InvalidOperationException("Partitions are added before the wait starts.");
        _watched.Add((partition, from, bound, counted));
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

    public FetchBound BoundOf(int index) => _watched[index].Bound;

    /// <summary>A watched partition moved its end, high watermark or last stable offset: recount its share.</summary>
    public void OnProgress(int index)
    {
        var (partition, from, bound, counted) = _watched[index];
        if (!counted)
            return;
        var now = partition.BytesAvailable(from, bound);
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
