namespace Runnel.Broker.Groups.Lag;

/// <summary>A consumer group's (or one partition's) health, worst last; the gauge kafka_consumergroup_status reports the number.</summary>
public enum ConsumerLagStatus
{
    /// <summary>Caught up at some point in the window, or consuming faster than the lag grows.</summary>
    Ok = 0,

    /// <summary>Commits move forward but the lag never shrank over the window: the consumer falls behind.</summary>
    Warn = 1,

    /// <summary>Commits keep arriving at the same offset while there is lag: the consumer is stuck.</summary>
    Stall = 2,

    /// <summary>No commit for longer than the window took (and at least the minimum stop age) while there is lag.</summary>
    Stop = 3,

    /// <summary>The committed offset went backwards within the window (Burrow's REWIND).</summary>
    Error = 4,
}

/// <summary>One commit in a partition's window: when, the offset committed, and the lag it left (high watermark − offset).</summary>
public readonly record struct LagCommit(long TimestampMs, long Offset, long Lag);

/// <summary>
/// Burrow's consumer lag evaluation over a sliding window of each partition's last commits, without thresholds:
/// <list type="number">
/// <item>a lag of zero anywhere in the window, or now, is OK;</item>
/// <item>an offset lower than the one before it in the window is ERROR (Burrow's REWIND);</item>
/// <item>when the time since the last commit exceeds the span of the window (first to last commit), and also the
/// minimum stop age, the partition is STOP;</item>
/// <item>two or more commits, all at one offset, are STALL;</item>
/// <item>two or more commits whose lag never decreased from one to the next are WARN;</item>
/// <item>anything else is OK.</item>
/// </list>
/// A group's status is the worst of its partitions'. The minimum stop age is Runnel's addition: Burrow's rule alone
/// calls a partition with one recent commit stopped as soon as any time passes. Thread-safe; time only from the
/// injected clock.
/// </summary>
public sealed class ConsumerLagEvaluator
{
    private readonly TimeProvider _time;
    private readonly int _windowSize;
    private readonly TimeSpan _minimumStopAge;
    private readonly Dictionary<(string Group, string Topic, int Partition), Queue<LagCommit>> _windows = [];

    /// <param name="time">The clock commits are stamped with and STOP is judged by.</param>
    /// <param name="windowSize">Commits kept per partition (Burrow's default: 10).</param>
    /// <param name="minimumStopAge">The least time without a commit that can make a partition STOP; 1 minute when null.</param>
    public ConsumerLagEvaluator(TimeProvider time, int windowSize = 10, TimeSpan? minimumStopAge = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 2);
        _time = time;
        _windowSize = windowSize;
        _minimumStopAge = minimumStopAge ?? TimeSpan.FromMinutes(1);
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Adds a commit of <paramref name="offset"/> to the partition's window, with the lag it left behind <paramref name="highWatermark"/>.</summary>
    public void RecordCommit(string group, string topic, int partition, long offset, long highWatermark)
    {
        var commit = new LagCommit(NowMs, offset, Math.Max(0, highWatermark - offset));
        lock (_windows)
        {
            if (!_windows.TryGetValue((group, topic, partition), out var window))
                _windows[(group, topic, partition)] = window = new Queue<LagCommit>(_windowSize);
            if (window.Count == _windowSize)
                window.Dequeue();
            window.Enqueue(commit);
        }
    }

    /// <summary>The window of a partition, oldest first (empty when no commit was recorded).</summary>
    public IReadOnlyList<LagCommit> Window(string group, string topic, int partition)
    {
        lock (_windows)
            return _windows.TryGetValue((group, topic, partition), out var window) ? [.. window] : [];
    }

    /// <summary>A partition's status given its lag now; OK when it has no commit in the window.</summary>
    public ConsumerLagStatus Evaluate(string group, string topic, int partition, long currentLag)
        => Evaluate(Window(group, topic, partition), currentLag, NowMs, _minimumStopAge);

    /// <summary>The worst status of the group's partitions, each given with its lag now.</summary>
    public ConsumerLagStatus EvaluateGroup(string group, IEnumerable<(string Topic, int Partition, long Lag)> partitions)
    {
        var worst = ConsumerLagStatus.Ok;
        foreach (var (topic, partition, lag) in partitions)
        {
            var status = Evaluate(group, topic, partition, lag);
            if (status > worst)
                worst = status;
        }
        return worst;
    }

    /// <summary>Drops the windows of groups for which <paramref name="keep"/> is false (deleted or moved groups).</summary>
    public void Retain(Func<string, bool> keep)
    {
        lock (_windows)
        {
            foreach (var key in _windows.Keys.Where(k => !keep(k.Group)).ToList())
                _windows.Remove(key);
        }
    }

    /// <summary>The rules above over one partition's window (oldest first), its lag now and the time now.</summary>
    public static ConsumerLagStatus Evaluate(IReadOnlyList<LagCommit> window, long currentLag, long nowMs, TimeSpan minimumStopAge)
    {
        if (window.Count == 0 || currentLag <= 0)
            return ConsumerLagStatus.Ok;
        for (var i = 0; i < window.Count; i++)
        {
            if (window[i].Lag == 0)
                return ConsumerLagStatus.Ok;
        }
        for (var i = 1; i < window.Count; i++)
        {
            if (window[i].Offset < window[i - 1].Offset)
                return ConsumerLagStatus.Error;
        }
        var first = window[0];
        var last = window[^1];
        var sinceLast = nowMs - last.TimestampMs;
        if (sinceLast > last.TimestampMs - first.TimestampMs && sinceLast >= (long)minimumStopAge.TotalMilliseconds)
            return ConsumerLagStatus.Stop;
        if (window.Count < 2)
            return ConsumerLagStatus.Ok;
        if (first.Offset == last.Offset)
            return ConsumerLagStatus.Stall;
        for (var i = 1; i < window.Count; i++)
        {
            if (window[i].Lag < window[i - 1].Lag)
                return ConsumerLagStatus.Ok;
        }
        return ConsumerLagStatus.Warn;
    }
}
