using System.Collections.Concurrent;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;

namespace Runnel.Broker.Quotas;

/// <summary>What a <see cref="ClientQuotaManager"/> measures: produce or fetch bytes, or request time (percent of one thread).</summary>
internal enum ClientQuotaType
{
    Produce,
    Fetch,
    Request,
}

/// <summary>
/// Byte-rate quotas for one direction (Kafka's ClientQuotaManager): each (user, client-id) has a rate measured over
/// <c>quota.window.num</c> samples of <c>quota.window.size.seconds</c> (11 of 1 s by default). Recording bytes that take
/// the rate over the quota that applies (<see cref="QuotaResolver"/>) gives the time to hold the client back,
/// Kafka's <c>(observed - quota) / quota * window</c>, at most the whole window (for request time at most one sample
/// window, as Kafka's ClientRequestQuotaManager bounds it). Time comes from the injected
/// <see cref="TimeProvider"/>; nothing here waits.
/// </summary>
internal sealed class ClientQuotaManager(ClientQuotaType type, TimeProvider time, int samples = 11, TimeSpan? sampleWindow = null)
{
    private readonly ConcurrentDictionary<(string? User, string ClientId), SampledRate> _rates = new();
    private readonly TimeSpan _sampleWindow = sampleWindow ?? TimeSpan.FromSeconds(1);
    private readonly long _started = time.GetTimestamp();

    public string QuotaKey => type switch
    {
        ClientQuotaType.Produce => ClientQuotaControlManager.ProducerByteRate,
        ClientQuotaType.Fetch => ClientQuotaControlManager.ConsumerByteRate,
        _ => ClientQuotaControlManager.RequestPercentage,
    };

    /// <summary>
    /// Records <paramref name="bytes"/> (for request time: percent-seconds of a thread) for the client and returns how
    /// long to throttle it (zero when it is within its quota or has none).
    /// </summary>
    public TimeSpan RecordAndGetThrottleTime(ClientQuotasImage quotas, string? user, string clientId, double bytes)
    {
        var quota = QuotaResolver.Find(quotas, QuotaKey, user, clientId);
        if (quota is not { } bound)
            return TimeSpan.Zero;
        var rate = _rates.GetOrAdd((user, clientId), _ => new SampledRate(samples, _sampleWindow));
        var now = (long)time.GetElapsedTime(_started).TotalMilliseconds;
        lock (rate)
        {
            rate.Record(bytes, now);
            var observed = rate.PerSecond(now);
            if (observed <= bound)
                return TimeSpan.Zero;
            var window = rate.WindowMs(now);
            var throttleMs = (observed - bound) / bound * window;
            var longest = type == ClientQuotaType.Request ? _sampleWindow.TotalMilliseconds : samples * _sampleWindow.TotalMilliseconds;
            return TimeSpan.FromMilliseconds(Math.Min(throttleMs, longest));
        }
    }
}
