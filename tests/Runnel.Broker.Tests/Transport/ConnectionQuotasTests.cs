using Runnel.Broker.Configuration;
using Runnel.Broker.Transport;

namespace Runnel.Broker.Tests.Transport;

public sealed class ConnectionQuotasTests
{
    private static ConnectionQuotas Quotas(TimeProvider time, params (string Key, string Value)[] settings)
        => new(BrokerConfig.Create([
            new("listeners", "PLAINTEXT://localhost:0,INTERNAL://localhost:0,CONTROLLER://localhost:0"),
            new("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT"),
            new("inter.broker.listener.name", "INTERNAL"),
            .. settings.Select(s => new KeyValuePair<string, string>(s.Key, s.Value)),
        ]), time);

    [Fact]
    public async Task At_the_broker_limit_a_listener_waits_until_a_connection_ends()
    {
        var quotas = Quotas(TimeProvider.System, ("max.connections", "2"));
        await quotas.WaitForSlotAsync("PLAINTEXT", CancellationToken.None);
        await quotas.WaitForSlotAsync("PLAINTEXT", CancellationToken.None);
        var third = quotas.WaitForSlotAsync("PLAINTEXT", CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted);
        quotas.Release("PLAINTEXT");
        await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, quotas.Open);
    }

    [Fact]
    public async Task The_inter_broker_and_controller_listeners_are_not_bound_by_the_broker_limit()
    {
        var quotas = Quotas(TimeProvider.System, ("max.connections", "1"), ("listener.name.internal.max.connections", "2"));
        await quotas.WaitForSlotAsync("PLAINTEXT", CancellationToken.None);
        await quotas.WaitForSlotAsync("INTERNAL", CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await quotas.WaitForSlotAsync("INTERNAL", CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await quotas.WaitForSlotAsync("CONTROLLER", CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        // Its own listener limit still holds.
        var third = quotas.WaitForSlotAsync("INTERNAL", CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted);
        quotas.Release("INTERNAL");
        await third.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_listener_limit_holds_that_listener_only()
    {
        var quotas = Quotas(TimeProvider.System, ("listener.name.plaintext.max.connections", "1"));
        await quotas.WaitForSlotAsync("PLAINTEXT", CancellationToken.None);
        var second = quotas.WaitForSlotAsync("PLAINTEXT", CancellationToken.None).AsTask();
        await quotas.WaitForSlotAsync("INTERNAL", CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(second.IsCompleted);
        using var stop = new CancellationTokenSource();
        var cancelled = quotas.WaitForSlotAsync("PLAINTEXT", stop.Token).AsTask();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
    }

    [Fact]
    public async Task Connections_over_the_creation_rate_hold_accepting_back_for_Kafka_s_throttle_time()
    {
        var time = new ManualTimeProvider();
        var quotas = Quotas(time, ("max.connection.creation.rate", "2"));
        // Over the 11 s window a burst at the start is measured over 10 full windows: 20 connections are at 2/s.
        for (var i = 0; i < 20; i++)
            Assert.True(quotas.WaitForSlotAsync("PLAINTEXT", CancellationToken.None).AsTask().IsCompletedSuccessfully, $"connection {i} was held back");
        // The 21st takes the rate to 2.1/s: held back (2.1 - 2) / 2 * 10 s = 500 ms.
        var held = quotas.WaitForSlotAsync("PLAINTEXT", CancellationToken.None).AsTask();
        Assert.False(held.IsCompleted);
        time.Advance(499);
        Assert.False(held.IsCompleted);
        time.Advance(1);
        await held.WaitAsync(TimeSpan.FromSeconds(10));
        // The inter-broker listener has no rate limit of its own, so the broker's does not hold it back.
        for (var i = 0; i < 50; i++)
            Assert.True(quotas.WaitForSlotAsync("INTERNAL", CancellationToken.None).AsTask().IsCompletedSuccessfully);
    }
}
