namespace Runnel.Storage;

/// <summary>
/// When retention passes run, as Kafka's LogManager schedules them: the first 30 s after start (its
/// InitialTaskDelayMs), then every log.retention.check.interval.ms after the previous one.
/// </summary>
public sealed class RetentionSchedule(long startMs, TimeSpan interval)
{
    public static readonly TimeSpan InitialDelay = TimeSpan.FromSeconds(30);

    private long _nextMs = startMs + (long)InitialDelay.TotalMilliseconds;

    /// <summary>True when a pass is due at <paramref name="nowMs"/>; the next one is then an interval later.</summary>
    public bool Due(long nowMs)
    {
        if (nowMs < _nextMs)
            return false;
        _nextMs = nowMs + (long)interval.TotalMilliseconds;
        return true;
    }
}
