using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Runnel.IntegrationTests.BadInput;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Records;

namespace Runnel.IntegrationTests.Protocol;

/// <summary>
/// Idempotent producers (the Java client's and franz-go's default): InitProducerId hands out ids, a retried batch
/// is not appended twice, a sequence gap is refused, and the state survives a restart.
/// </summary>
public sealed class IdempotentProducerTests
{
    [Fact]
    public async Task Retried_batches_are_appended_once_even_after_a_restart_and_gaps_are_refused()
    {
        await using var broker = await BrokerFixture.StartAsync();
        long producerId;
        await using (var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap))
        {
            var init = await connection.RequestAsync<InitProducerIdResponse>(ApiKey.InitProducerId, 4, new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = -1 });
            Assert.Equal(0, init.ErrorCode);
            producerId = init.ProducerId;
            var other = await connection.RequestAsync<InitProducerIdResponse>(ApiKey.InitProducerId, 4, new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = -1 });
            Assert.Equal((0, producerId + 1), (other.ErrorCode, other.ProducerId));

            var first = await BadBatchTests.ProduceAsync(connection, "idem", Idempotent(producerId, 0, 5));
            var second = await BadBatchTests.ProduceAsync(connection, "idem", Idempotent(producerId, 5, 5));
            Assert.Equal((0L, 5L), (first.BaseOffset, second.BaseOffset));
            var retry = await BadBatchTests.ProduceAsync(connection, "idem", Idempotent(producerId, 5, 5));
            Assert.Equal((0, 5L), (retry.ErrorCode, retry.BaseOffset));
            var gap = await BadBatchTests.ProduceAsync(connection, "idem", Idempotent(producerId, 20, 5));
            Assert.Equal((short)ErrorCode.OutOfOrderSequenceNumber, gap.ErrorCode);
        }
        await broker.RestartAsync();
        await using (var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap))
        {
            var retry = await BadBatchTests.ProduceAsync(connection, "idem", Idempotent(producerId, 5, 5));
            Assert.Equal((0, 5L), (retry.ErrorCode, retry.BaseOffset));
            var next = await BadBatchTests.ProduceAsync(connection, "idem", Idempotent(producerId, 10, 5));
            Assert.Equal((0, 10L), (next.ErrorCode, next.BaseOffset));
            var init = await connection.RequestAsync<InitProducerIdResponse>(ApiKey.InitProducerId, 4, new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = -1 });
            Assert.True(init.ProducerId > producerId, $"producer ids must not repeat across restarts: {producerId} then {init.ProducerId} (error {init.ErrorCode})");
        }
    }

    [Fact]
    public async Task Kcat_with_idempotence_produces_every_record_exactly_once()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "3" });
        var input = new StringBuilder();
        for (var i = 0; i < 50_000; i++)
            input.Append('k').Append(i % 101).Append(':').Append(i).Append('\n');
        var produce = await ExternalProcess.RunAsync("kcat",
            ["-b", broker.Bootstrap, "-t", "idem-kcat", "-P", "-K:", "-X", "enable.idempotence=true", "-X", "linger.ms=5"], input.ToString(), TimeSpan.FromSeconds(120));
        Assert.True(produce.ExitCode == 0, ExternalProcess.Describe(produce));
        var consume = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", "idem-kcat", "-C", "-e", "-o", "beginning", "-f", "%s\\n"], timeout: TimeSpan.FromSeconds(120));
        Assert.Equal(Enumerable.Range(0, 50_000), consume.Lines.Select(l => int.Parse(l, CultureInfo.InvariantCulture)).Order());
    }

    [Fact]
    public async Task KafkaJs_idempotent_producer_writes_every_record_once()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var sent = await Node.RunAsync("idempotent_produce.js", broker.Bootstrap, "idem-kafkajs", "1000");
        Assert.Equal("sent", sent.Lines[^1]);
        var consume = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", "idem-kafkajs", "-C", "-e", "-o", "beginning", "-f", "%s\\n"]);
        Assert.Equal(Enumerable.Range(0, 1000), consume.Lines.Select(l => int.Parse(l, CultureInfo.InvariantCulture)).Order());
    }

    [Fact]
    public async Task A_transactional_batch_without_a_transactional_id_is_refused_as_unauthorized()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var transactional = Idempotent(42, 0, 1);
        BinaryPrimitives.WriteInt16BigEndian(transactional.AsSpan(RecordBatchHeader.AttributesOffset), 0x10);
        BinaryPrimitives.WriteUInt32BigEndian(transactional.AsSpan(RecordBatchHeader.CrcOffset), RecordBatch.ComputeCrc(transactional));
        // As Kafka: transactional records in a request without a transactional id are TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
        Assert.Equal((short)ErrorCode.TransactionalIdAuthorizationFailed, (await BadBatchTests.ProduceAsync(connection, "tx", transactional)).ErrorCode);
    }

    private static byte[] Idempotent(long producerId, int baseSequence, int records)
    {
        var batch = BadBatchTests.Batch(CompressionType.None, records);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(RecordBatchHeader.ProducerIdOffset), producerId);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(RecordBatchHeader.ProducerEpochOffset), 0);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.BaseSequenceOffset), baseSequence);
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(RecordBatchHeader.CrcOffset), RecordBatch.ComputeCrc(batch));
        return batch;
    }
}
