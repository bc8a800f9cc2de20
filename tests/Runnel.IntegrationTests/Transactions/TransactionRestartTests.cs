using Confluent.Kafka;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Xunit;
using static Runnel.IntegrationTests.Transactions.ConfluentTransactionTests;

namespace Runnel.IntegrationTests.Transactions;

/// <summary>
/// A transaction open across a broker restart, with Confluent.Kafka (librdkafka 2.16): the partition's producer state
/// snapshot brings the open transaction back, so the last stable offset still holds read_committed readers before
/// it, and the commit after the restart makes every record readable exactly once.
/// </summary>
public sealed class TransactionRestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_transaction_open_across_a_restart_is_committed_and_read_exactly_once()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync();
        await CreateTopicAsync(broker, "txn-restart", partitions: 1);
        await ProduceAsync(broker, "txn-restart", ["plain-0", "plain-1"]);
        using var producer = TransactionalProducer(broker, "restart-writer");
        producer.InitTransactions(Timeout);
        producer.BeginTransaction();
        foreach (var i in Enumerable.Range(0, 10))
            await producer.ProduceAsync("txn-restart", new Message<Null, string> { Value = $"txn-{i}" });
        Assert.Equal(["plain-0", "plain-1"], ReadAllText(broker, "txn-restart", IsolationLevel.ReadCommitted));

        await broker.RestartAsync();

        // The open transaction came back with the partition: read_committed still stops before it.
        Assert.Equal(["plain-0", "plain-1"], ReadAllText(broker, "txn-restart", IsolationLevel.ReadCommitted));
        Assert.Equal(12, ReadAllText(broker, "txn-restart", IsolationLevel.ReadUncommitted).Count);

        producer.CommitTransaction(Timeout);
        await ProduceAsync(broker, "txn-restart", ["plain-2"]);

        var committed = ReadAllText(broker, "txn-restart", IsolationLevel.ReadCommitted);
        Assert.Equal(["plain-0", "plain-1", .. Enumerable.Range(0, 10).Select(i => $"txn-{i}"), "plain-2"], committed);
    }

    private static async Task ProduceAsync(BrokerFixture broker, string topic, IEnumerable<string> values)
    {
        using var plain = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap }).Build();
        foreach (var value in values)
            await plain.ProduceAsync(topic, new Message<Null, string> { Value = value });
    }
}
