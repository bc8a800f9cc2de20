namespace Runnel.Broker.Replication;

/// <summary>
/// The leader's limit on what it sends to replicas being added by a reassignment (leader.replication.throttled.rate,
/// bytes per second; Kafka's ReplicationQuotaManager for LeaderReplication, with the throttled replicas being the
/// partition's adding replicas). A token bucket on the injected <see cref="TimeProvider"/>: it refills at the rate, up
/// to one second's worth; a throttled fetch reads at most what the bucket holds (nothing while it is empty), and what
/// it read is taken out afterwards (the bucket may go below zero when the one batch a read always returns is larger,
/// as Kafka records bytes after the read), so over time the adding replicas get the rate. Long.MaxValue (the
/// default) means unlimited.
/// </summary>
internal sealed class ReplicationThrottle(long bytesPerSecond, TimeProvider time)
{
    private readonly Lock _gate = new();
    private double _tokens = bytesPerSecond;
    private long _refilledAt = time.GetTimestamp();

    public bool IsUnlimited => bytesPerSecond == long.MaxValue;

    /// <summary>What a throttled replica's read may take now, at most <paramref name="maxBytes"/>: 0 while the bucket is empty.</summary>
    public int Allowance(int maxBytes)
    {
        if (IsUnlimited)
            return maxBytes;
        lock (_gate)
        {
            Refill();
            return _tokens <= 0 ? 0 : (int)Math.Min(maxBytes, Math.Ceiling(_tokens));
        }
    }

    /// <summary>Takes <paramref name="bytes"/> sent to a throttled replica out of the bucket.</summary>
    public void Record(long bytes)
    {
        if (IsUnlimited || bytes <= 0)
            return;
        lock (_gate)
        {
            Refill();
            _tokens -= bytes;
        }
    }

    private void Refill()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(bytesPerSecond, _tokens + (time.GetElapsedTime(_refilledAt, now).TotalSeconds * bytesPerSecond));
        _refilledAt = now;
    }
}
