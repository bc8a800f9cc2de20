using Runnel.IntegrationTests.BadInput;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol.Compression;

namespace Runnel.IntegrationTests.Durability;

/// <summary>
/// The single-node promise for acks=all: the reply comes only after an fsync covers the batch (group commit), so
/// the partition's recovery point (everything below it is on disk) has passed the batch when the producer hears back.
/// </summary>
public sealed class AcksAllFsyncTests
{
    [Fact]
    public async Task Acks_all_reply_means_the_batch_is_fsynced()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        for (var round = 0; round < 20; round++)
        {
            var reply = await BadBatchTests.ProduceAsync(connection, "fsynced", BadBatchTests.Batch(CompressionType.None, 50), acks: -1);
            Assert.Equal(0, reply.ErrorCode);
            var log = broker.Broker.Services.Topics.FindPartition("fsynced", 0)!.Log;
            Assert.True(log.RecoveryPoint >= reply.BaseOffset + 50, $"recovery point {log.RecoveryPoint} is below {reply.BaseOffset + 50}");
        }
    }

    [Fact]
    public async Task Acks_all_waits_for_nothing_when_fsync_is_switched_off()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["runnel.acks.all.fsync"] = "false" });
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var reply = await BadBatchTests.ProduceAsync(connection, "page-cache", BadBatchTests.Batch(CompressionType.None, 50), acks: -1);
        Assert.Equal(0, reply.ErrorCode);
        Assert.Equal(0, broker.Broker.Services.Topics.Logs.GroupCommitter?.Fsyncs ?? 0);
    }
}
