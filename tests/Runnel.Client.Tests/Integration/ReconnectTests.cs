using System.Text;
using Runnel.Client.Admin;
using Runnel.Client.Consumer;
using Runnel.Client.Producer;
using Runnel.Client.Tests.Support;

namespace Runnel.Client.Tests.Integration;

/// <summary>Clients outlive a broker restart: dead connections are replaced and unsent batches retried.</summary>
public class ReconnectTests
{
    [Fact]
    public async Task Producer_and_consumer_carry_on_after_the_broker_restarts()
    {
        await using var broker = await TestBroker.StartAsync();
        await using (var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = broker.BootstrapServers }))
            await admin.CreateTopicsAsync([new NewTopic("r", 1)]);
        await using var producer = new RunnelProducer(new ProducerOptions
        {
            BootstrapServers = broker.BootstrapServers,
            RetryBackoff = TimeSpan.FromMilliseconds(20),
            DeliveryTimeout = TimeSpan.FromSeconds(30),
        });
        await using var consumer = new RunnelConsumer(new ConsumerOptions { BootstrapServers = broker.BootstrapServers, FetchMaxWait = TimeSpan.FromMilliseconds(50) });
        consumer.Assign([new("r", 0)]);
        consumer.Seek(new("r", 0), 0);

        Assert.Equal(0, (await producer.ProduceAsync(new ProducerRecord("r", Encoding.UTF8.GetBytes("before")))).Offset);
        Assert.Single(await consumer.PollAsync(TimeSpan.FromSeconds(5)));

        await broker.RestartAsync();

        Assert.Equal(1, (await producer.ProduceAsync(new ProducerRecord("r", Encoding.UTF8.GetBytes("after")))).Offset);
        var records = new List<ConsumeResult>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (records.Count == 0)
            records.AddRange(await consumer.PollAsync(TimeSpan.FromMilliseconds(200), timeout.Token)); // rides out the dead connection
        Assert.Equal("after", Encoding.UTF8.GetString(Assert.Single(records).Value!));
    }
}
