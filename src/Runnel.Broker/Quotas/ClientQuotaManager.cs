using System.Collections.Concurrent;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;

namespace Runnel.Broker.Quotas;

/// <summary>Which byte rate a <see cref="ClientQuotaManager"/> measures.</summary>
internal enum ClientQuotaType
{
    Produce,
    Fetch,
}

/// <summary>
/// Byte-rate quotas for one direction (Kafka's ClientQuotaManager): each (user, client-id) has a rate measured over
/// <c>quota.window.num</c> samples of <c>quota.window.size.seconds</c> (11 of 1 s by default). Recording bytes that take
/// the rate over the quota that applies (<see cref="QuotaResolver"/>) gives the time to hold the client back,
/// Kafka's <c>(observed - quota) / quota * window</c>, at most the whole window. Time comes from the injected
/// <see cref="TimeProvider"/>; nothing here waits.
/// </summary>
internal sealed class ClientQuotaManager(ClientQuotaType type, TimeProvider time, int samples = 11, TimeSpan? sampleWindow = null)
{
    private readonly ConcurrentDictionary<(string? User, string ClientId), SampledRate> _rates = new();
    private readonly TimeSpan _sampleWindow = sampleWindow ?? TimeSpan.FromSeconds(1);
    private readonly long _started = time.GetTimestamp();

    public string QuotaKey => type == ClientQuotaType.Produce ? ClientQuotaControlManager.ProducerByteRate : ClientQuotaControlManager.ConsumerByteRate;

    /// <summary>
    /// Records <paramref name="bytes"/> for the client and returns how long to throttle it (zero when it is within its
    /// quota or has none).
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
            return TimeSpan.FromMilliseconds(Math.Min(throttleMs, samples * _sampleWindow.TotalMilliseconds));
        }
    }
}
