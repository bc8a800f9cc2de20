using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.IntegrationTests.KafkaPython;
using Xunit;

namespace Runnel.IntegrationTests.Transactions;

/// <summary>Transactions from the other clients here: confluent-kafka-python (Debian's, librdkafka 2.0.2) and KafkaJS 2.2.4.</summary>
public sealed class OtherClientTransactionTests
{
    [Fact]
    public async Task Confluent_kafka_python_commits_and_aborts_and_reads_committed()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync();
        await ConfluentTransactionTests.CreateTopicAsync(broker, "python-txn", partitions: 1);
        var result = await Python.RunAsync("transactions.py", broker.Bootstrap, "python-txn");
        Assert.Contains("committed-read 0,1,2,3,4,5,6,7", result.Lines);
        Assert.Contains("uncommitted-read 13", result.Lines);
    }

    [Fact]
    public async Task KafkaJS_commits_and_aborts_and_reads_committed()
    {
        KafkaNative.EnsureLoaded();
        await using var broker = await BrokerFixture.StartAsync();
        await ConfluentTransactionTests.CreateTopicAsync(broker, "kafkajs-txn", partitions: 1);
        var result = await Node.RunAsync("transactions.js", broker.Bootstrap, "kafkajs-txn");
        Assert.Equal("committed-read 0,1,2,3,4,5", result.Lines[^1]);
    }
}
