using Confluent.Kafka;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Xunit;

namespace Runnel.IntegrationTests.Transactions;

/// <summary>
/// Transactions through faults: a producer killed with its transaction open is aborted by the coordinator after its
/// timeout (the last stable offset moves on and read_committed readers continue); a broker killed -9 with a transaction open,
/// and again while a commit is under way, comes back with every transaction whole. A checker over what the producer was told counts
/// aborted records read, torn transactions and lost committed records; each must be 0.
/// </summary>
public sealed class TransactionFaultTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_producer_killed_mid_transaction_is_aborted_after_its_timeout_and_read_committed_moves_past_it()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string>
        {
            ["transaction.abort.timed.out.transaction.cleanup.interval.ms"] = "500",
        });
        await ConfluentTransactionTests.CreateTopicAsync(broker, "hung", partitions: 1);
        await using (var hung = ClientProcess.Start("txn-hang", "/usr/bin/python3",
            [Path.Combine(AppContext.BaseDirectory, "Scripts", "python", "txn_hang.py"), broker.Bootstrap, "hung", "hung-writer", "10"]))
        {
            await hung.WaitUntilAsync(l => l.Contains("open"), Timeout, "the transaction to be open");
            hung.Kill();
        }
        // Another producer commits after the hung transaction's records: read_committed sees them once the coordinator
        // aborted the hung one (3 s timeout), never the hung records.
        using var producer = ConfluentTransactionTests.TransactionalProducer(broker, "healthy-writer");
        producer.InitTransactions(Timeout);
        await ConfluentTransactionTests.ProduceInTransactionAsync(producer, "hung", Enumerable.Range(0, 5), commit: true);

        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = "hung-reader",
            IsolationLevel = IsolationLevel.ReadCommitted,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(new TopicPartitionOffset("hung", 0, Offset.Beginning));
        var seen = new List<string>();
        var deadline = DateTime.UtcNow + Timeout;
        while (seen.Count < 5)
        {
            Assert.True(DateTime.UtcNow < deadline, $"read_committed did not move past the hung transaction; saw {string.Join(",", seen)}");
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message: { } message })
                seen.Add(message.Value);
        }
        Assert.Equal(["0", "1", "2", "3", "4"], seen);
        Assert.Equal(15, ConfluentTransactionTests.ReadAllText(broker, "hung", IsolationLevel.ReadUncommitted).Count);
    }

    [Fact]
    public async Task A_broker_killed_during_a_stream_of_transactions_keeps_every_transaction_whole()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerProcess.StartAsync();
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build())
            await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = "stream", NumPartitions = 2, ReplicationFactor = 1 }]);
        async Task KillAndRestartAsync()
        {
            await broker.KillAsync();
            await broker.RestartAsync();
        }

        var history = new TransactionHistory(broker.Bootstrap, "stream", "stream-writer");
        await history.RunAsync(60, openFaultAt: new HashSet<int> { 20 }, KillAndRestartAsync, commitFaultAt: new HashSet<int> { 31 }, KillAndRestartAsync);

        history.Check(partitions: 2);
        Assert.True(history.Committed.Count >= 40, $"only {history.Committed.Count} transactions committed");
    }
}
