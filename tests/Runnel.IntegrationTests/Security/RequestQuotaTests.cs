using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// request_percentage (KIP-124) on one client id: once the time the broker spends on its requests passes the quota,
/// its replies carry a throttle time of at most one quota window and the connection reads nothing more for that long;
/// a client with another id is not throttled; librdkafka reports the throttle time it was given.
/// </summary>
public sealed class RequestQuotaTests
{
    [Fact]
    public async Task A_client_over_its_request_percentage_is_throttled_and_muted_and_another_is_not()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await SetQuotaAsync(broker.Bootstrap, "busy", 0.01);

        await using var busy = await RawKafkaConnection.ConnectAsync(broker.Bootstrap, "busy");
        var throttle = 0;
        for (var i = 0; i < 500 && throttle == 0; i++)
            throttle = (await busy.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest { Topics = null })).ThrottleTimeMs;
        Assert.InRange(throttle, 1, 1000);

        // Muted: the next request is read only once the throttle time has passed.
        var clock = Stopwatch.StartNew();
        await busy.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest());
        Assert.True(clock.ElapsedMilliseconds >= throttle - 20, $"answered after {clock.ElapsedMilliseconds} ms of a {throttle} ms throttle");

        await using var other = await RawKafkaConnection.ConnectAsync(broker.Bootstrap, "other");
        for (var i = 0; i < 50; i++)
            Assert.Equal(0, (await other.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest { Topics = null })).ThrottleTimeMs);
    }

    [Fact]
    public async Task Librdkafka_sees_the_request_quota_s_throttle_time()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync();
        await SetQuotaAsync(broker.Bootstrap, "busy-producer", 0.01);
        long maxThrottle = 0;
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap,
            ClientId = "busy-producer",
            Acks = Acks.Leader,
            LingerMs = 0,
            StatisticsIntervalMs = 100,
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
                    if (b.Value.TryGetProperty("throttle", out var t) && t.TryGetProperty("max", out var max) && max.TryGetInt64(out var ms))
                        Interlocked.Exchange(ref maxThrottle, Math.Max(Interlocked.Read(ref maxThrottle), ms));
                }
            }
            catch (JsonException)
            {
            }
        }).Build();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 2000 && Interlocked.Read(ref maxThrottle) == 0 && clock.Elapsed < TimeSpan.FromSeconds(30); i++)
        {
            var delivered = await producer.ProduceAsync("request-quota", new Message<Null, string> { Value = $"record {i}" });
            Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        }
        // The statistics after the throttled reply report it.
        producer.Flush(TimeSpan.FromSeconds(5));
        var deadline = clock.Elapsed + TimeSpan.FromSeconds(5);
        while (Interlocked.Read(ref maxThrottle) == 0 && clock.Elapsed < deadline)
            producer.Poll(TimeSpan.FromMilliseconds(100));
        Assert.InRange(Interlocked.Read(ref maxThrottle), 1, 1000);
    }

    private static async Task SetQuotaAsync(string bootstrap, string clientId, double percent)
    {
        await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = bootstrap });
        var results = await admin.AlterClientQuotasAsync([(QuotaEntity.ClientId(clientId), [new QuotaChange("request_percentage", percent)])]);
        Assert.All(results, r => Assert.True(r.Succeeded, r.ErrorMessage));
    }
}
