using System.Globalization;
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

        var committed = new HashSet<int>();
        var aborted = new HashSet<int>();
        var unknown = new HashSet<int>();
        const int PerTransaction = 4, Transactions = 60, KillAfter = 20;
        var producer = NewProducer(broker.Bootstrap);
        for (var t = 0; t < Transactions; t++)
        {
            try
            {
                producer.BeginTransaction();
                for (var i = 0; i < PerTransaction; i++)
                    producer.Produce("stream", new Message<string, string> { Key = $"k{i}", Value = $"t{t}-{i}" });
                if (t == KillAfter)
                {
                    // Killed with the transaction's records in the log and the transaction open.
                    producer.Flush(Timeout);
                    await broker.KillAsync();
                    await broker.RestartAsync();
                }
                if (t % 5 == 4)
                {
                    producer.AbortTransaction(Timeout);
                    aborted.Add(t);
                }
                else if (t == KillAfter + 11)
                {
                    // Killed while the commit is under way (before, during or after the markers: any is allowed).
                    var commit = Task.Run(() => producer.CommitTransaction(Timeout));
                    await broker.KillAsync();
                    await broker.RestartAsync();
                    await commit;
                    committed.Add(t);
                }
                else
                {
                    producer.CommitTransaction(Timeout);
                    committed.Add(t);
                }
            }
            catch (KafkaException e)
            {
                // What happened to a transaction whose end failed is not known to the producer: the checker allows both.
                unknown.Add(t);
                if (e is KafkaTxnRequiresAbortException)
                {
                    TryAbort(producer);
                }
                else
                {
                    producer.Dispose();
                    producer = NewProducer(broker.Bootstrap);
                }
            }
        }
        producer.Dispose();

        var records = new List<string>();
        using (var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = "stream-checker",
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build())
        {
            consumer.Assign([new TopicPartitionOffset("stream", 0, Offset.Beginning), new TopicPartitionOffset("stream", 1, Offset.Beginning)]);
            var ends = new HashSet<int>();
            var deadline = DateTime.UtcNow + Timeout;
            while (ends.Count < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "the stream was not read to its end");
                if (consumer.Consume(TimeSpan.FromSeconds(1)) is not { } result)
                    continue;
                if (result.IsPartitionEOF)
                    ends.Add(result.Partition.Value);
                else
                    records.Add(result.Message.Value);
            }
        }
        var byTransaction = records.GroupBy(r => int.Parse(r[1..r.IndexOf('-', StringComparison.Ordinal)], CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.ToList());
        var abortedRead = aborted.Sum(t => byTransaction.GetValueOrDefault(t)?.Count ?? 0);
        var torn = byTransaction.Count(t => t.Value.Distinct().Count() != PerTransaction);
        var lost = committed.Count(t => !byTransaction.ContainsKey(t));
        var duplicated = records.Count - records.Distinct().Count();
        Assert.True((abortedRead, torn, lost, duplicated) == (0, 0, 0, 0),
            $"aborted records read {abortedRead}, torn transactions {torn}, committed transactions lost {lost}, duplicated records {duplicated} "
            + $"({committed.Count} committed, {aborted.Count} aborted, {unknown.Count} unknown)");
        Assert.True(committed.Count >= Transactions - KillAfter, $"only {committed.Count} transactions committed");
    }

    private static IProducer<string, string> NewProducer(string bootstrap)
    {
        var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            TransactionalId = "stream-writer",
            MessageTimeoutMs = 30_000,
            TransactionTimeoutMs = 30_000,
        }).Build();
        producer.InitTransactions(Timeout);
        return producer;
    }

    private static void TryAbort(IProducer<string, string> producer)
    {
        try
        {
            producer.AbortTransaction(Timeout);
        }
        catch (KafkaException)
        {
        }
    }
}
