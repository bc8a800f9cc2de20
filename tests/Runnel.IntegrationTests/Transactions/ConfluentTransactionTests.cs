using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Xunit;

namespace Runnel.IntegrationTests.Transactions;

/// <summary>Transactions as Confluent.Kafka (librdkafka 2.16) runs them against one broker.</summary>
public sealed class ConfluentTransactionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Committed_transactions_are_read_committed_and_aborted_ones_are_not()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync();
        await CreateTopicAsync(broker, "txn-orders", partitions: 2);
        using var producer = TransactionalProducer(broker, "orders-writer");
        producer.InitTransactions(Timeout);

        await ProduceInTransactionAsync(producer, "txn-orders", Enumerable.Range(0, 10), commit: true);
        await ProduceInTransactionAsync(producer, "txn-orders", Enumerable.Range(100, 10), commit: false);
        await ProduceInTransactionAsync(producer, "txn-orders", Enumerable.Range(10, 5), commit: true);

        Assert.Equal(Enumerable.Range(0, 15), ReadAll(broker, "txn-orders", IsolationLevel.ReadCommitted).Order());

        // The coordinator's view, as kafka-transactions.sh shows it.
        var listed = await RunnelCli.RunAsync("txn", "list", "--bootstrap-server", broker.Bootstrap);
        Assert.True(listed.ExitCode == 0, ExternalProcess.Describe(listed));
        Assert.Contains(listed.Lines, l => l.StartsWith("orders-writer ", StringComparison.Ordinal) && l.EndsWith(" CompleteCommit", StringComparison.Ordinal));
        var described = await RunnelCli.RunAsync("txn", "describe", "orders-writer", "--bootstrap-server", broker.Bootstrap);
        Assert.True(described.ExitCode == 0, ExternalProcess.Describe(described));
        Assert.Contains(described.Lines, l => l.Contains("orders-writer", StringComparison.Ordinal) && l.Contains("CompleteCommit", StringComparison.Ordinal) && l.Contains("60000", StringComparison.Ordinal));
        var missing = await RunnelCli.RunAsync("txn", "describe", "nobody", "--bootstrap-server", broker.Bootstrap);
        Assert.NotEqual(0, missing.ExitCode);
        // read_uncommitted sees the aborted records too (never the markers).
        Assert.Equal(Enumerable.Range(0, 15).Concat(Enumerable.Range(100, 10)), ReadAll(broker, "txn-orders", IsolationLevel.ReadUncommitted).Order());
    }

    [Fact]
    public async Task A_second_producer_with_the_same_transactional_id_fences_the_first_and_its_open_transaction_is_aborted()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync();
        await CreateTopicAsync(broker, "txn-fence", partitions: 1);
        using var first = TransactionalProducer(broker, "fenced-writer");
        first.InitTransactions(Timeout);
        first.BeginTransaction();
        await first.ProduceAsync("txn-fence", new Message<Null, string> { Value = "from-first" });

        using var second = TransactionalProducer(broker, "fenced-writer");
        second.InitTransactions(Timeout);
        await ProduceInTransactionAsync(second, "txn-fence", [1, 2, 3], commit: true);

        var fenced = Assert.ThrowsAny<KafkaException>(() => first.CommitTransaction(Timeout));
        Assert.True(fenced.Error.IsFatal || fenced.Error.Code == ErrorCode.ProducerFenced || fenced.Error.Code == ErrorCode.InvalidProducerEpoch,
            $"expected the first producer to be fenced, got {fenced.Error}");
        Assert.Equal(["1", "2", "3"], ReadAllText(broker, "txn-fence", IsolationLevel.ReadCommitted));
    }

    [Fact]
    public async Task Consume_transform_produce_commits_output_and_offsets_together_and_an_abort_rewinds_both()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync();
        await CreateTopicAsync(broker, "ctp-in", partitions: 1);
        await CreateTopicAsync(broker, "ctp-out", partitions: 1);
        using (var plain = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap }).Build())
        {
            foreach (var i in Enumerable.Range(0, 20))
                await plain.ProduceAsync("ctp-in", new Message<Null, string> { Value = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }
        using var producer = TransactionalProducer(broker, "ctp-worker");
        producer.InitTransactions(Timeout);
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = "ctp",
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        var input = new TopicPartition("ctp-in", 0);
        consumer.Assign(new TopicPartitionOffset(input, Offset.Beginning));

        // Chunks of five: the second is aborted once, then done again from the committed offset.
        var abortedOnce = false;
        while (true)
        {
            var chunk = new List<ConsumeResult<Ignore, string>>();
            while (chunk.Count < 5 && consumer.Consume(TimeSpan.FromSeconds(10)) is { } result)
                chunk.Add(result);
            if (chunk.Count == 0)
                break;
            producer.BeginTransaction();
            foreach (var record in chunk)
                await producer.ProduceAsync("ctp-out", new Message<Null, string> { Value = $"out-{record.Message.Value}" });
            producer.SendOffsetsToTransaction([new TopicPartitionOffset(input, chunk[^1].Offset + 1)], consumer.ConsumerGroupMetadata, Timeout);
            if (!abortedOnce && chunk[0].Offset == 5)
            {
                abortedOnce = true;
                producer.AbortTransaction(Timeout);
                consumer.Seek(new TopicPartitionOffset(input, chunk[0].Offset));
                continue;
            }
            producer.CommitTransaction(Timeout);
            if (chunk[^1].Offset == 19)
                break;
        }

        Assert.True(abortedOnce);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"out-{i}"), ReadAllText(broker, "ctp-out", IsolationLevel.ReadCommitted));
        Assert.Equal(25, ReadAllText(broker, "ctp-out", IsolationLevel.ReadUncommitted).Count);
        var committed = consumer.Committed([input], Timeout);
        Assert.Equal(20, committed.Single().Offset.Value);
    }

    internal static IProducer<Null, string> TransactionalProducer(BrokerFixture broker, string transactionalId, int transactionTimeoutMs = 60_000)
        => new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap,
            TransactionalId = transactionalId,
            TransactionTimeoutMs = transactionTimeoutMs,
            MessageTimeoutMs = 30_000,
        }).Build();

    internal static async Task ProduceInTransactionAsync(IProducer<Null, string> producer, string topic, IEnumerable<int> values, bool commit)
    {
        producer.BeginTransaction();
        foreach (var value in values)
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = value.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        if (commit)
            producer.CommitTransaction(Timeout);
        else
            producer.AbortTransaction(Timeout);
    }

    internal static async Task CreateTopicAsync(BrokerFixture broker, string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    internal static List<int> ReadAll(BrokerFixture broker, string topic, IsolationLevel isolation)
        => [.. ReadAllText(broker, topic, isolation).Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Every record the consumer may read, from the start of each partition to its end for that isolation level (the LSO for read_committed).</summary>
    internal static List<string> ReadAllText(BrokerFixture broker, string topic, IsolationLevel isolation)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = $"reader-{Guid.NewGuid():N}",
            IsolationLevel = isolation,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        var partitions = admin.GetMetadata(topic, Timeout).Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var values = new List<string>();
        var atEnd = new HashSet<int>();
        var deadline = DateTime.UtcNow + Timeout;
        while (atEnd.Count < partitions.Count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{topic} was not read to its end within {Timeout}");
            var result = consumer.Consume(TimeSpan.FromSeconds(1));
            if (result is null)
                continue;
            if (result.IsPartitionEOF)
                atEnd.Add(result.Partition.Value);
            else
                values.Add(result.Message.Value);
        }
        return values;
    }
}
