using Runnel.Broker.Replication;

namespace Runnel.Broker.Tests.Replication;

/// <summary>leader.replication.throttled.rate's token bucket: reads get what it holds, and it refills at the rate on the injected clock.</summary>
public sealed class ReplicationThrottleTests
{
    [Fact]
    public void Reads_get_what_the_bucket_holds_and_it_refills_at_the_rate()
    {
        var clock = new ManualTimeProvider();
        var throttle = new ReplicationThrottle(1000, clock);
        Assert.Equal(600, throttle.Allowance(600));
        Assert.Equal(1000, throttle.Allowance(1_000_000));
        // A read larger than the bucket (one whole batch) leaves a debt: nothing until it is paid back.
        throttle.Record(1500);
        Assert.Equal(0, throttle.Allowance(100));
        clock.Advance(499);
        Assert.Equal(0, throttle.Allowance(100));
        clock.Advance(101);
        Assert.Equal(100, throttle.Allowance(100));
        // It never holds more than one second's worth.
        clock.Advance(60_000);
        Assert.Equal(1000, throttle.Allowance(5000));
    }

    [Fact]
    public void The_default_rate_is_unlimited()
    {
        var throttle = new ReplicationThrottle(long.MaxValue, new ManualTimeProvider());
        throttle.Record(long.MaxValue / 2);
        Assert.True(throttle.IsUnlimited);
        Assert.Equal(int.MaxValue, throttle.Allowance(int.MaxValue));
    }
}
