using System.Collections.Immutable;
using Runnel.Broker.Quotas;
using Runnel.Metadata.Image;

namespace Runnel.Broker.Tests.Quotas;

public sealed class ClientQuotaManagerTests
{
    private static ClientQuotasImage Quotas(params (ClientQuotaEntity Entity, string Key, double Value)[] quotas)
        => new(quotas.ToImmutableDictionary(q => q.Entity, q => ImmutableSortedDictionary.Create<string, double>(StringComparer.Ordinal).Add(q.Key, q.Value)));

    [Fact]
    public void Quotas_resolve_in_KIP_55_order()
    {
        const string Key = "producer_byte_rate";
        var all = new (ClientQuotaEntity, string, double)[]
        {
            (ClientQuotaEntity.Of(("user", "alice"), ("client-id", "c1")), Key, 1),
            (ClientQuotaEntity.Of(("user", "alice"), ("client-id", null)), Key, 2),
            (ClientQuotaEntity.Of(("user", "alice")), Key, 3),
            (ClientQuotaEntity.Of(("user", null), ("client-id", "c1")), Key, 4),
            (ClientQuotaEntity.Of(("user", null), ("client-id", null)), Key, 5),
            (ClientQuotaEntity.Of(("user", null)), Key, 6),
            (ClientQuotaEntity.Of(("client-id", "c1")), Key, 7),
            (ClientQuotaEntity.Of(("client-id", null)), Key, 8),
        };
        for (var i = 0; i < all.Length; i++)
            Assert.Equal(i + 1, QuotaResolver.Find(Quotas(all[i..]), Key, "alice", "c1"));
        Assert.Equal(7, QuotaResolver.Find(Quotas(all), Key, null, "c1"));
        Assert.Null(QuotaResolver.Find(Quotas(all), "consumer_byte_rate", "alice", "c1"));
    }

    [Fact]
    public void A_client_within_its_quota_or_without_one_is_not_throttled()
    {
        var time = new ManualTimeProvider();
        var manager = new ClientQuotaManager(ClientQuotaType.Produce, time);
        var quotas = Quotas((ClientQuotaEntity.Of(("client-id", "c1")), "producer_byte_rate", 10_000));
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.Zero, manager.RecordAndGetThrottleTime(quotas, null, "c1", 500));
            Assert.Equal(TimeSpan.Zero, manager.RecordAndGetThrottleTime(quotas, null, "free", 1_000_000));
            time.Advance(100);
        }
    }

    [Fact]
    public void A_client_that_waits_out_each_throttle_is_held_to_its_quota()
    {
        var time = new ManualTimeProvider();
        var manager = new ClientQuotaManager(ClientQuotaType.Produce, time);
        var quotas = Quotas((ClientQuotaEntity.Of(("client-id", "c1")), "producer_byte_rate", 100_000));
        long sent = 0;
        var start = time.NowMs;
        var throttled = 0;
        // The client sends 50 KB every 50 ms (1 MB/s, ten times its quota) and, as KIP-219 clients do, waits out the
        // throttle time it is given before sending again.
        while (time.NowMs - start < 30_000)
        {
            sent += 50_000;
            var throttle = manager.RecordAndGetThrottleTime(quotas, null, "c1", 50_000);
            if (throttle > TimeSpan.Zero)
                throttled++;
            time.Advance(50 + (long)throttle.TotalMilliseconds);
        }
        var rate = sent * 1000.0 / (time.NowMs - start);
        Assert.InRange(rate, 80_000, 120_000);
        Assert.True(throttled > 10, $"throttled {throttled} times");
    }

    [Fact]
    public void A_request_time_throttle_is_at_most_one_window_and_a_byte_rate_throttle_the_whole_window()
    {
        var time = new ManualTimeProvider();
        var request = new ClientQuotaManager(ClientQuotaType.Request, time);
        var produce = new ClientQuotaManager(ClientQuotaType.Produce, time);
        var quotas = Quotas(
            (ClientQuotaEntity.Of(("client-id", "c1")), "request_percentage", 1),
            (ClientQuotaEntity.Of(("client-id", null)), "producer_byte_rate", 1));
        Assert.Equal("request_percentage", request.QuotaKey);
        // 500 percent-seconds (five seconds of a thread) against 1%: far over either way.
        Assert.Equal(TimeSpan.FromSeconds(1), request.RecordAndGetThrottleTime(quotas, null, "c1", 500));
        Assert.Equal(TimeSpan.FromSeconds(11), produce.RecordAndGetThrottleTime(quotas, null, "c1", 1_000_000));
    }
}
