using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// A producer_byte_rate quota on one client id, with Confluent.Kafka (librdkafka 2.16): past the first window, in
/// which Kafka's rate (11 one-second samples) lets a new client send up to about ten seconds' worth at once, the
/// throttled producer is held within 20% of its quota and librdkafka reports the broker's throttle time; a producer
/// with another client id on the same broker is not throttled and runs many times faster.
/// </summary>
public sealed class ProduceQuotaTests(ITestOutputHelper output)
{
    private const int Quota = 200 * 1024;
    private const int RecordBytes = 1024;

    [Fact]
    public async Task A_producer_over_its_byte_rate_is_slowed_to_the_quota_and_another_is_not()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync();
        await using (var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = broker.Bootstrap }))
        {
            var results = await admin.AlterClientQuotasAsync([(QuotaEntity.ClientId("slow"), [new QuotaChange("producer_byte_rate", Quota)])]);
            Assert.All(results, r => Assert.True(r.Succeeded, r.ErrorMessage));
        }

        var slow = Run(broker.Bootstrap, "slow", TimeSpan.FromSeconds(45), maxBytes: long.MaxValue);
        var fast = Run(broker.Bootstrap, "fast", TimeSpan.FromSeconds(20), maxBytes: 40L * Quota * 20);
        var (slowDeliveries, slowThrottle) = await slow;
        var (fastDeliveries, fastThrottle) = await fast;

        // After the first window the rate settles: measure it from second 13 to the end (over 30 s).
        var from = TimeSpan.FromSeconds(13);
        var settled = slowDeliveries.Where(d => d.At >= from).ToList();
        var seconds = (settled[^1].At - from).TotalSeconds;
        var rate = settled.Count * (double)RecordBytes / seconds;
        var fastRate = fastDeliveries.Count * (double)RecordBytes / fastDeliveries[^1].At.TotalSeconds;
        output.WriteLine($"throttled: {rate / 1024:0.0} KiB/s over {seconds:0.0} s (quota {Quota / 1024} KiB/s), throttle max {slowThrottle} ms; other: {fastRate / 1024:0.0} KiB/s, throttle max {fastThrottle} ms");
        Assert.InRange(rate, Quota * 0.8, Quota * 1.2);
        Assert.True(slowThrottle > 0, "librdkafka saw no throttle time");
        Assert.Equal(0, fastThrottle);
        Assert.True(fastRate > 4 * Quota, $"the other producer ran at {fastRate / 1024:0.0} KiB/s");
    }

    /// <summary>Produces 1 KiB records as fast as the client allows for <paramref name="duration"/> (or until <paramref name="maxBytes"/>).</summary>
    private static Task<(List<(TimeSpan At, long Offset)> Deliveries, long MaxThrottleMs)> Run(string bootstrap, string clientId, TimeSpan duration, long maxBytes)
        => Task.Run(() =>
        {
            long maxThrottle = 0;
            var failures = 0;
            var deliveries = new List<(TimeSpan, long)>();
            var clock = Stopwatch.StartNew();
            using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
            {
                BootstrapServers = bootstrap,
                ClientId = clientId,
                Acks = Acks.Leader,
                LingerMs = 5,
                QueueBufferingMaxKbytes = 256,
                StatisticsIntervalMs = 500,
            }).SetStatisticsHandler((_, json) =>
            {
                // Runs on librdkafka's thread: nothing here may throw.
                try
                {
                    using var stats = JsonDocument.Parse(json);
                    if (!stats.RootElement.TryGetProperty("brokers", out var brokers))
                        return;
                    foreach (var b in brokers.EnumerateObject())
                    {
                        if (b.Value.TryGetProperty("throttle", out var throttle) && throttle.TryGetProperty("max", out var max) && max.TryGetInt64(out var ms))
                            Interlocked.Exchange(ref maxThrottle, Math.Max(Interlocked.Read(ref maxThrottle), ms));
                    }
                }
                catch (JsonException)
                {
                }
            }).Build();
            var value = new byte[RecordBytes];
            long sent = 0;
            while (clock.Elapsed < duration && sent < maxBytes)
            {
                try
                {
                    // Never throw in a delivery handler: it runs on librdkafka's thread. A failed delivery is counted and asserted on.
                    producer.Produce($"quota-{clientId}", new Message<Null, byte[]> { Value = value }, report =>
                    {
                        lock (deliveries)
                        {
                            if (report.Error.IsError)
                                failures++;
                            else
                                deliveries.Add((clock.Elapsed, report.Offset.Value));
                        }
                    });
                    sent += RecordBytes;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == Confluent.Kafka.ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
            producer.Flush(TimeSpan.FromSeconds(30));
            lock (deliveries)
            {
                Assert.Equal(0, failures);
                return (deliveries.OrderBy(d => d.Item1).ToList(), Interlocked.Read(ref maxThrottle));
            }
        });
}
