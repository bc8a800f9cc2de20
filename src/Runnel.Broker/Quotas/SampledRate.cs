namespace Runnel.Broker.Quotas;

/// <summary>
/// A rate over a sliding window of samples (Kafka's Rate with SampledStat): <c>samples</c> buckets of
/// <c>sampleWindow</c> each; a bucket older than the whole window is dropped. The rate is the total of the live
/// buckets divided by the time they cover: from the oldest bucket's start to now, plus one sample window for each of
/// the <c>samples - 1</c> full windows that time falls short of (Kafka's Rate.windowSize), so a burst just after
/// start is not taken for an enormous rate. Not thread-safe: callers lock.
/// </summary>
internal sealed class SampledRate(int samples, TimeSpan sampleWindow)
{
    private readonly double[] _totals = new double[samples];
    private readonly long[] _starts = new long[samples];
    private int _current = -1;

    public TimeSpan SampleWindow => sampleWindow;

    public int Samples => samples;

    /// <summary>Adds <paramref name="value"/> at <paramref name="nowMs"/> (milliseconds on a monotonic clock).</summary>
    public void Record(double value, long nowMs)
    {
        Advance(nowMs);
        _totals[_current] += value;
    }

    /// <summary>The rate per second at <paramref name="nowMs"/>.</summary>
    public double PerSecond(long nowMs) => Total(nowMs) / (WindowMs(nowMs) / 1000.0);

    /// <summary>The time the rate is measured over at <paramref name="nowMs"/>, in milliseconds (Kafka's Rate.windowSize).</summary>
    public double WindowMs(long nowMs)
    {
        Purge(nowMs);
        var oldest = long.MaxValue;
        for (var i = 0; i < samples; i++)
        {
            if (_starts[i] > 0)
                oldest = Math.Min(oldest, _starts[i] - 1);
        }
        var window = sampleWindow.TotalMilliseconds;
        double elapsed = oldest == long.MaxValue ? 0 : nowMs - oldest;
        var fullWindows = Math.Floor(elapsed / window);
        if (fullWindows < samples - 1)
            elapsed += (samples - 1 - fullWindows) * window;
        return elapsed;
    }

    private double Total(long nowMs)
    {
        Purge(nowMs);
        return _totals.Sum();
    }

    private void Advance(long nowMs)
    {
        // Starts are stored plus one so that zero means "never used".
        if (_current >= 0 && nowMs - (_starts[_current] - 1) < sampleWindow.TotalMilliseconds)
            return;
        _current = (_current + 1) % samples;
        _totals[_current] = 0;
        _starts[_current] = nowMs + 1;
    }

    private void Purge(long nowMs)
    {
        var expiry = samples * sampleWindow.TotalMilliseconds;
        for (var i = 0; i < samples; i++)
        {
            if (_starts[i] > 0 && nowMs - (_starts[i] - 1) >= expiry)
            {
                _totals[i] = 0;
                _starts[i] = 0;
            }
        }
    }
}
