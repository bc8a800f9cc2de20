using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Security;

/// <summary>
/// max.connections.per.ip with an override for 127.0.0.1: connections beyond the address's limit are closed at accept,
/// those within it are served, and a freed slot is usable again. max.connections: at the broker's limit a new
/// connection is not accepted (its request waits unanswered) until another ends, and is then served.
/// </summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Connections_beyond_the_per_address_limit_are_closed_and_a_freed_slot_is_reused()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string>
        {
            ["max.connections.per.ip"] = "1",
            ["max.connections.per.ip.overrides"] = "127.0.0.1:3",
        });
        var open = new List<RawKafkaConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
                open.Add(connection);
                Assert.Equal(0, (await connection.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest())).ErrorCode);
            }
            await using (var extra = await RawKafkaConnection.ConnectAsync(broker.Bootstrap))
                Assert.True(await extra.IsClosedByBrokerAsync(TimeSpan.FromSeconds(10)), "the fourth connection was kept");

            await open[0].DisposeAsync();
            open.RemoveAt(0);
            // The freed slot is counted back once the broker has seen the close: a new connection then gets served.
            var served = false;
            for (var attempt = 0; attempt < 50 && !served; attempt++)
            {
                await using var again = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
                try
                {
                    served = (await again.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest())).ErrorCode == 0;
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or EndOfStreamException)
                {
                }
            }
            Assert.True(served, "no connection was served after one closed");
        }
        finally
        {
            foreach (var connection in open)
                await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task At_max_connections_a_new_connection_waits_until_another_ends_and_is_then_served()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["max.connections"] = "2" });
        var first = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await using var second = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        try
        {
            foreach (var connection in new[] { first, second })
                Assert.Equal(0, (await connection.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest())).ErrorCode);
            // The third connects (the kernel's backlog takes it) but the broker does not accept it while two are open.
            await using var third = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
            var reply = third.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest());
            var early = await Task.WhenAny(reply, Task.Delay(TimeSpan.FromMilliseconds(500)));
            Assert.NotSame(reply, early);

            await first.DisposeAsync();
            Assert.Equal(0, (await reply.WaitAsync(TimeSpan.FromSeconds(10))).ErrorCode);
        }
        finally
        {
            await first.DisposeAsync();
        }
    }
}
