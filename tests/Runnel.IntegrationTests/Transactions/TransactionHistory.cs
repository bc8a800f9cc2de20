using System.Globalization;
using Confluent.Kafka;
using Xunit;

namespace Runnel.IntegrationTests.Transactions;

/// <summary>
/// A stream of numbered transactions from one transactional producer (Confluent.Kafka), with a fault injected at chosen
/// points, and the checker over what the producer was told and what read_committed readers see: aborted records read,
/// torn transactions (partly visible), committed transactions lost and duplicated records must all be 0.
/// </summary>
internal sealed class TransactionHistory(string bootstrap, string topic, string transactionalId)
{
    public const int PerTransaction = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public HashSet<int> Committed { get; } = [];

    public HashSet<int> Aborted { get; } = [];

    /// <summary>Transactions whose end failed: the producer cannot know what happened to them, so either outcome is allowed.</summary>
    public HashSet<int> Unknown { get; } = [];

    /// <summary>
    /// Runs <paramref name="count"/> transactions (every fifth aborted). <paramref name="openFault"/> runs for a transaction
    /// with its records delivered and the transaction still open, at the numbers it is given; <paramref name="commitFault"/>
    /// while a commit is under way.
    /// </summary>
    public async Task RunAsync(int count, IReadOnlySet<int> openFaultAt, Func<Task> openFault, IReadOnlySet<int> commitFaultAt, Func<Task> commitFault)
    {
        var producer = NewProducer();
        try
        {
            for (var t = 0; t < count; t++)
            {
                try
                {
                    producer.BeginTransaction();
                    for (var i = 0; i < PerTransaction; i++)
                        producer.Produce(topic, new Message<string, string> { Key = $"k{i}", Value = $"t{t}-{i}" });
                    if (openFaultAt.Contains(t))
                    {
                        producer.Flush(Timeout);
                        await openFault();
                    }
                    if (t % 5 == 4)
                    {
                        producer.AbortTransaction(Timeout);
                        Aborted.Add(t);
                    }
                    else if (commitFaultAt.Contains(t))
                    {
                        var commit = Task.Run(() => producer.CommitTransaction(Timeout));
                        await commitFault();
                        await commit;
                        Committed.Add(t);
                    }
                    else
                    {
                        producer.CommitTransaction(Timeout);
                        Committed.Add(t);
                    }
                }
                catch (KafkaException e)
                {
                    Unknown.Add(t);
                    if (e is KafkaTxnRequiresAbortException)
                    {
                        TryAbort(producer);
                    }
                    else
                    {
                        producer.Dispose();
                        producer = NewProducer();
                    }
                }
            }
        }
        finally
        {
            producer.Dispose();
        }
    }

    /// <summary>Reads the topic with read_committed to its end and asserts the four counts are 0.</summary>
    public void Check(int partitions)
    {
        var records = new List<string>();
        using (var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"checker-{Guid.NewGuid():N}",
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build())
        {
            consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
            var ends = new HashSet<int>();
            var deadline = DateTime.UtcNow + Timeout;
            while (ends.Count < partitions)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{topic} was not read to its end");
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
        var abortedRead = Aborted.Sum(t => byTransaction.GetValueOrDefault(t)?.Count ?? 0);
        var torn = byTransaction.Count(t => t.Value.Distinct().Count() != PerTransaction);
        var lost = Committed.Count(t => !byTransaction.ContainsKey(t));
        var duplicated = records.Count - records.Distinct().Count();
        Assert.True((abortedRead, torn, lost, duplicated) == (0, 0, 0, 0),
            $"aborted records read {abortedRead}, torn transactions {torn}, committed transactions lost {lost}, duplicated records {duplicated} "
            + $"({Committed.Count} committed, {Aborted.Count} aborted, {Unknown.Count} unknown)");
    }

    private IProducer<string, string> NewProducer()
    {
        var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            TransactionalId = transactionalId,
            MessageTimeoutMs = 60_000,
            TransactionTimeoutMs = 60_000,
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
