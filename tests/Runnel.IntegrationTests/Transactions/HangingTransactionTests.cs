using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using static Runnel.IntegrationTests.Transactions.RawTransactions;
using ErrorCode = Runnel.Protocol.ErrorCode;

namespace Runnel.IntegrationTests.Transactions;

/// <summary>
/// Transactions left open, as kafka-transactions.sh finds and ends them: DescribeProducers shows a partition's producers
/// and their open transactions (<c>runnel producer describe</c>), <c>runnel txn find-hanging</c> picks those no
/// coordinator will end, <c>runnel txn abort</c> writes the abort marker, and a read_committed consumer (librdkafka)
/// then reads past them.
/// </summary>
public sealed class HangingTransactionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_open_confluent_transaction_is_described_with_its_start_offset_and_aborted_by_start_offset()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync();
        await ConfluentTransactionTests.CreateTopicAsync(broker, "stuck", partitions: 1);
        using var stuck = ConfluentTransactionTests.TransactionalProducer(broker, "stuck-writer");
        stuck.InitTransactions(Wait);
        stuck.BeginTransaction();
        Assert.Equal(0, (await stuck.ProduceAsync(new TopicPartition("stuck", 0), new Message<Null, string> { Value = "never-committed" })).Offset.Value);
        using var plain = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, EnableIdempotence = true }).Build();
        Assert.Equal(1, (await plain.ProduceAsync(new TopicPartition("stuck", 0), new Message<Null, string> { Value = "after" })).Offset.Value);

        using var consumer = ReadCommittedConsumer(broker.Bootstrap, "hanging-tests");
        consumer.Assign(new TopicPartitionOffset("stuck", 0, Offset.Beginning));
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(500))); // bounded look: the LSO is at the open transaction

        var stuckId = long.Parse(Cells((await Cli("txn", "describe", "stuck-writer", "--bootstrap-server", broker.Bootstrap)).Lines[1])[2], CultureInfo.InvariantCulture);
        var described = await DescribeProducersAsync(broker.Bootstrap, "stuck");
        Assert.Equal(2, described.Count);
        Assert.Equal(["0", Text(stuckId), "0", "-1", "0"], described[stuckId][..5]); // partition, id, epoch, no marker yet, last sequence
        Assert.Equal("0", described[stuckId][6]); // the open transaction starts at offset 0
        var idempotent = Assert.Single(described, r => r.Key != stuckId).Value;
        Assert.Equal(("-1", "0", "None"), (idempotent[3], idempotent[4], idempotent[6]));
        Assert.InRange(long.Parse(described[stuckId][5], CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        // Its coordinator still has the transaction open on this partition, so it is not hanging.
        var hanging = await Cli("txn", "find-hanging", "--broker-id", Node(broker), "--max-transaction-timeout", "0", "--bootstrap-server", broker.Bootstrap);
        Assert.Equal(string.Join("  ", HangingHeaders), Assert.Single(hanging.Lines));

        var aborted = await Cli("txn", "abort", "--topic", "stuck", "--partition", "0", "--start-offset", "0", "--bootstrap-server", broker.Bootstrap);
        Assert.Equal($"Aborted the transaction of producer {stuckId} (epoch 0, coordinator epoch 0) on stuck-0.", Assert.Single(aborted.Lines));
        Assert.Equal("after", Assert.Single(ConsumeUntil(consumer, v => v == "after", Wait)));
        var after = (await DescribeProducersAsync(broker.Bootstrap, "stuck"))[stuckId];
        Assert.Equal(("0", "None"), (after[3], after[6])); // the marker's coordinator epoch; no transaction open

        var again = await CliFailing("txn", "abort", "--topic", "stuck", "--partition", "0", "--start-offset", "0", "--bootstrap-server", broker.Bootstrap);
        Assert.Contains("Could not find any open transactions starting at offset 0 on partition stuck-0", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_transaction_no_coordinator_knows_is_found_hanging_and_aborted_by_producer_and_epochs()
    {
        KafkaNative.EnsureLoaded();
        // The raw batches belong to no coordinator's transaction, so the leader must not ask one (KIP-890's check is off).
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["transaction.partition.verification.enable"] = "false" });
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 4, new MetadataRequest { Topics = [new() { Name = "hang" }], AllowAutoTopicCreation = true });
        var orphan = await ProducerIdAsync(connection);
        var written = DateTimeOffset.UtcNow.AddMinutes(-20).ToUnixTimeMilliseconds();
        Assert.Equal(0, await ProduceAsync(connection, TxnBatch(orphan, 0, 0, written - 1000, "o1", "o2")));
        Assert.Equal(2, await ProduceAsync(connection, TxnBatch(orphan, 0, 2, written, "o3")));

        // A live transaction on the same partition that its coordinator knows: never reported as hanging.
        using var live = ConfluentTransactionTests.TransactionalProducer(broker, "live-writer");
        live.InitTransactions(Wait);
        live.BeginTransaction();
        Assert.Equal(3, (await live.ProduceAsync(new TopicPartition("hang", 0), new Message<Null, string> { Value = "live" })).Offset.Value);

        var expected = new[] { "hang", "0", Text(orphan), "0", "-1", "0", Text(written), "20" };
        var byBroker = await Cli("txn", "find-hanging", "--broker-id", Node(broker), "--bootstrap-server", broker.Bootstrap);
        Assert.Equal(HangingHeaders, Cells(byBroker.Lines[0]));
        Assert.Equal([expected], byBroker.Lines.Skip(1).Select(Cells));
        var byPartition = await Cli("txn", "find-hanging", "--topic", "hang", "--partition", "0", "--max-transaction-timeout", "0", "--bootstrap-server", broker.Bootstrap);
        Assert.Equal([expected], byPartition.Lines.Skip(1).Select(Cells));
        var described = (await DescribeProducersAsync(broker.Bootstrap, "hang"))[orphan];
        Assert.Equal(["0", Text(orphan), "0", "-1", "2", Text(written), "0"], described);

        await Cli("txn", "abort", "--topic", "hang", "--partition", "0", "--producer-id", Text(orphan), "--producer-epoch", "0", "--coordinator-epoch", "-1",
            "--bootstrap-server", broker.Bootstrap);
        Assert.Single((await Cli("txn", "find-hanging", "--topic", "hang", "--max-transaction-timeout", "0", "--bootstrap-server", broker.Bootstrap)).Lines);

        // Once the live transaction commits, read_committed reads it and none of the aborted records.
        live.CommitTransaction(Wait);
        using var consumer = ReadCommittedConsumer(broker.Bootstrap, "hanging-tests");
        consumer.Assign(new TopicPartitionOffset("hang", 0, Offset.Beginning));
        Assert.Equal(["live"], ConsumeUntil(consumer, v => v == "live", Wait));
    }

    [Fact]
    public async Task DescribeProducers_answers_kafkas_errors_for_unknown_and_invalid_topics_and_partitions()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 4, new MetadataRequest { Topics = [new() { Name = "known" }], AllowAutoTopicCreation = true });
        var reply = await connection.RequestAsync<DescribeProducersResponse>(ApiKey.DescribeProducers, 0, new DescribeProducersRequest
        {
            Topics = [new() { Name = "known", PartitionIndexes = [0, 7] }, new() { Name = "absent", PartitionIndexes = [0, 1] }, new() { Name = "bad/name", PartitionIndexes = [0] }],
        });
        var answers = reply.Topics.SelectMany(t => t.Partitions.Select(p => (t.Name, p.PartitionIndex, (ErrorCode)p.ErrorCode, p.ErrorMessage is null))).ToList();
        Assert.Equal(
            [("known", 0, ErrorCode.None, true), ("known", 7, ErrorCode.UnknownTopicOrPartition, true), ("absent", 0, ErrorCode.UnknownTopicOrPartition, false),
                ("absent", 1, ErrorCode.UnknownTopicOrPartition, false), ("bad/name", 0, ErrorCode.InvalidTopicException, false)],
            answers);
        Assert.Empty(reply.Topics[0].Partitions[0].ActiveProducers);

        var unknown = await CliFailing("producer", "describe", "--topic", "absent", "--bootstrap-server", broker.Bootstrap);
        Assert.Contains("does not exist", unknown.Stderr, StringComparison.Ordinal);
    }

    private static readonly string[] HangingHeaders =
        ["TOPIC", "PARTITION", "PRODUCER-ID", "PRODUCER-EPOCH", "COORDINATOR-EPOCH", "START-OFFSET", "LAST-TIMESTAMP", "DURATION(MIN)"];

    private static string Node(BrokerFixture broker) => Text(broker.Broker.NodeId);

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string[] Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Runs the CLI in-process; it must exit 0.</summary>
    private static Task<ProcessResult> Cli(params string[] args) => CliExiting(CliExit.Ok, args);

    /// <summary>Runs the CLI in-process; it must fail (exit 1).</summary>
    private static Task<ProcessResult> CliFailing(params string[] args) => CliExiting(CliExit.Failed, args);

    private static async Task<ProcessResult> CliExiting(CliExit expected, string[] args)
    {
        var result = await RunnelCli.RunAsync(args);
        Assert.True(result.ExitCode == (int)expected, ExternalProcess.Describe(result));
        return result;
    }

    private enum CliExit
    {
        Ok = 0,
        Failed = 1,
    }

    /// <summary><c>runnel producer describe --topic</c> parsed: each producer's row (all columns), by producer id.</summary>
    private static async Task<Dictionary<long, string[]>> DescribeProducersAsync(string bootstrap, string topic)
    {
        var result = await Cli("producer", "describe", "--topic", topic, "--bootstrap-server", bootstrap);
        Assert.Equal("PARTITION  PRODUCER-ID  PRODUCER-EPOCH  LATEST-COORDINATOR-EPOCH  LAST-SEQUENCE  LAST-TIMESTAMP  CURRENT-TRANSACTION-START-OFFSET",
            result.Lines[0].TrimEnd());
        return result.Lines.Skip(1).Select(Cells).ToDictionary(c => long.Parse(c[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Produces one batch to hang-0 with acks=all; its base offset.</summary>
    private static async Task<long> ProduceAsync(RawKafkaConnection connection, byte[] batch)
    {
        var reply = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 8, new ProduceRequest
        {
            TransactionalId = "orphan",
            Acks = -1,
            TimeoutMs = 5000,
            TopicData = [new() { Name = "hang", PartitionData = [new() { Index = 0, Records = batch }] }],
        });
        var partition = reply.Responses[0].PartitionResponses[0];
        Assert.Equal(0, partition.ErrorCode);
        return partition.BaseOffset;
    }
}
