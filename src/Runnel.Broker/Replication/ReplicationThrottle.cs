namespace Runnel.Broker.Replication;

/// <summary>
/// The leader's limit on what it sends to replicas being added by a reassignment (leader.replication.throttled.rate,
/// bytes per second; Kafka's ReplicationQuotaManager for LeaderReplication, with the throttled replicas being the
/// partition's adding replicas). A token bucket on the injected <see cref="TimeProvider"/>: it refills at the rate, up
/// to one second's worth; a throttled fetch may read only while the bucket is not empty, and what it read is taken
/// out afterwards (the bucket may go below zero, as Kafka records bytes after the read), so over time the adding
/// replicas get the rate. Long.MaxValue (the default) means unlimited.
/// </summary>
internal sealed class ReplicationThrottle(long bytesPerSecond, TimeProvider time)
{
    private readonly Lock _gate = new();
    private double _tokens = bytesPerSecond;
    private long _refilledAt = time.GetTimestamp();

    public bool IsUnlimited => bytesPerSecond == long.MaxValue;

    /// <summary>Whether a throttled replica's fetch must get no records now (the bucket is empty).</summary>
    public bool IsExceeded()
    {
        if (IsUnlimited)
            return false;
        lock (_gate)
        {
            Refill();
            return _tokens <= 0;
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
