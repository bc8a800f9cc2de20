using System.IO.Compression;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.IntegrationTests.BadInput;

/// <summary>Produce requests with bad batches get Kafka's error codes, append nothing, and keep the connection usable.</summary>
public sealed class BadBatchTests
{
    [Fact]
    public async Task Bad_crc_is_corrupt_message_and_nothing_is_appended()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var batch = Batch(CompressionType.None, 10);
        batch[^1] ^= 0x40;
        var reply = await ProduceAsync(connection, "bad-crc", batch);
        Assert.Equal((short)ErrorCode.CorruptMessage, reply.ErrorCode);

        var good = await ProduceAsync(connection, "bad-crc", Batch(CompressionType.None, 10));
        Assert.Equal(0, good.ErrorCode);
        Assert.Equal(0, good.BaseOffset);
    }

    [Fact]
    public async Task Compression_bomb_is_refused_with_memory_bounded()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        // 256 MiB of zeros deflate to about 255 KiB, well under max.message.bytes: only the inflation limit can stop it.
        var bomb = GzipBomb(256 << 20);
        Assert.InRange(bomb.Length, 1, 1_000_000);
        var reply = await ProduceAsync(connection, "bomb", bomb);
        Assert.Equal((short)ErrorCode.MessageTooLarge, reply.ErrorCode);
        Assert.True(GC.GetTotalMemory(forceFullCollection: true) - before < 256 << 20);
        var good = await ProduceAsync(connection, "bomb", Batch(CompressionType.Gzip, 5));
        Assert.Equal(0, good.ErrorCode);
        Assert.Equal(0, good.BaseOffset);
    }

    [Fact]
    public async Task Legacy_magic_and_bad_acks_get_kafka_errors()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var legacy = Batch(CompressionType.None, 1);
        legacy[RecordBatchHeader.MagicOffset] = 1;
        Assert.Equal((short)ErrorCode.InvalidRecord, (await ProduceAsync(connection, "legacy", legacy)).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidRequiredAcks, (await ProduceAsync(connection, "legacy", Batch(CompressionType.None, 1), acks: 5)).ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, (await ProduceAsync(connection, "never-created", Batch(CompressionType.None, 1), create: false)).ErrorCode);
    }

    internal static async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(RawKafkaConnection connection, string topic, byte[] batch,
        short acks = -1, bool create = true)
    {
        if (create)
            await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 4, new MetadataRequest { Topics = [new() { Name = topic }], AllowAutoTopicCreation = true });
        var request = new ProduceRequest
        {
            Acks = acks,
            TimeoutMs = 5000,
            TopicData = [new() { Name = topic, PartitionData = [new() { Index = 0, Records = batch }] }],
        };
        var response = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 8, request);
        return response.Responses[0].PartitionResponses[0];
    }

    internal static byte[] Batch(CompressionType codec, int records)
    {
        using var writer = new KafkaWriter();
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, new RecordBatchSettings { Compression = codec });
        // Current timestamps: a segment rolls when its first record is older than segment.ms, as in Kafka.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < records; i++)
            builder.Append(now + i, RecordBytes.FromByteArray([(byte)i]), RecordBytes.FromByteArray(new byte[100]));
        builder.Finish();
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A valid gzip batch of one record whose value inflates to <paramref name="inflatedBytes"/> of zeros.</summary>
    private static byte[] GzipBomb(int inflatedBytes)
    {
        var plain = Batch(CompressionType.None, 1);
        using var records = new MemoryStream();
        using (var gzip = new GZipStream(records, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            // One record: length, attributes, timestamp delta, offset delta, key (null), value length, value, no headers.
            var header = new KafkaWriter();
            header.WriteVarInt(1 + 1 + 1 + 1 + 5 + inflatedBytes + 1);
            header.WriteInt8(0);
            header.WriteVarLong(0);
            header.WriteVarInt(0);
            header.WriteVarInt(-1);
            header.WriteVarInt(inflatedBytes);
            gzip.Write(header.WrittenSpan);
            header.Dispose();
            var zeros = new byte[1 << 20];
            for (var written = 0; written < inflatedBytes; written += zeros.Length)
                gzip.Write(zeros, 0, Math.Min(zeros.Length, inflatedBytes - written));
            gzip.WriteByte(0);
        }
        var compressed = records.ToArray();
        var batch = new byte[RecordBatchHeader.Size + compressed.Length];
        plain.AsSpan(0, RecordBatchHeader.Size).CopyTo(batch);
        compressed.CopyTo(batch, RecordBatchHeader.Size);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.BatchLengthOffset), batch.Length - RecordBatchHeader.LogOverhead);
        System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(RecordBatchHeader.AttributesOffset), (short)CompressionType.Gzip);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(RecordBatchHeader.CrcOffset), RecordBatch.ComputeCrc(batch));
        return batch;
    }
}
