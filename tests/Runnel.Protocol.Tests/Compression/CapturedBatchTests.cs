using System.Buffers;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Protocol.Tests.Messages;

namespace Runnel.Protocol.Tests.Compression;

/// <summary>Record batches exactly as kcat (librdkafka 2.0.2), kafka-python 2.0.2 and KafkaJS 2.2.4 compressed them.</summary>
public sealed class CapturedBatchTests
{
    private const int MaxBatchBytes = 1 << 20;

    public static TheoryData<string> Captures() => new(CaptureProduceBatches.Requests().Select(capture => capture.File));

    [Theory]
    [MemberData(nameof(Captures))]
    public void Every_batch_decompresses_to_its_record_count(string file)
    {
        var capture = CaptureFixtures.All.Single(frame => frame.File == file);
        var batches = CaptureProduceBatches.Read(capture);
        Assert.NotEmpty(batches);
        foreach (var batch in batches)
        {
            Assert.True(RecordBatchHeader.TryRead(batch.Span, out var header));
            Assert.Equal(2, header.Magic);
            // Clients send a batch uncompressed when compression would not shrink it.
            Assert.Contains(header.Compression, new[] { ExpectedCodec(capture.Scenario), CompressionType.None });

            var records = new ArrayBufferWriter<byte>();
            var size = CompressionCodecs.Decompress(header.Compression, batch.Span[RecordBatchHeader.Size..], records, MaxBatchBytes);

            Assert.Equal(records.WrittenCount, size);
            Assert.Equal(header.RecordCount, CountRecords(records.WrittenMemory));
        }
    }

    [Theory]
    [InlineData("kcat-produce-gzip", CompressionType.Gzip)]
    [InlineData("kcat-produce-snappy", CompressionType.Snappy)]
    [InlineData("kcat-produce-lz4", CompressionType.Lz4)]
    [InlineData("kcat-produce-zstd", CompressionType.Zstd)]
    [InlineData("kafka-python-gzip", CompressionType.Gzip)]
    [InlineData("kafka-python-snappy", CompressionType.Snappy)]
    [InlineData("kafka-python-lz4", CompressionType.Lz4)]
    [InlineData("kafka-python-zstd", CompressionType.Zstd)]
    [InlineData("kafkajs", CompressionType.Gzip)]
    public void Every_client_and_codec_has_compressed_batches_to_test(string scenario, CompressionType codec) =>
        Assert.NotEmpty(CompressedPayloads(scenario, codec));

    [Fact]
    public void Kafka_python_frames_snappy_in_xerial_and_kcat_writes_raw_blocks()
    {
        byte[] xerialMagic = [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];
        var python = CompressedPayloads("kafka-python-snappy", CompressionType.Snappy);
        var kcat = CompressedPayloads("kcat-produce-snappy", CompressionType.Snappy);

        Assert.NotEmpty(python);
        Assert.NotEmpty(kcat);
        Assert.All(python, payload => Assert.True(payload.Span.StartsWith(xerialMagic)));
        Assert.All(kcat, payload => Assert.False(payload.Span.StartsWith(xerialMagic)));
    }

    private static List<ReadOnlyMemory<byte>> CompressedPayloads(string scenario, CompressionType codec) =>
        CaptureProduceBatches.Requests(scenario)
            .SelectMany(CaptureProduceBatches.Read)
            .Where(batch => RecordBatchHeader.TryRead(batch.Span, out var header) && header.Compression == codec)
            .Select(batch => batch[RecordBatchHeader.Size..])
            .ToList();

    // Scenarios are named after the client and, but for KafkaJS's gzip producer, the codec it was told to use.
    private static CompressionType ExpectedCodec(string scenario) => scenario switch
    {
        "kafkajs" => CompressionType.Gzip,
        _ when scenario.EndsWith("-gzip", StringComparison.Ordinal) => CompressionType.Gzip,
        _ when scenario.EndsWith("-snappy", StringComparison.Ordinal) => CompressionType.Snappy,
        _ when scenario.EndsWith("-lz4", StringComparison.Ordinal) => CompressionType.Lz4,
        _ when scenario.EndsWith("-zstd", StringComparison.Ordinal) => CompressionType.Zstd,
        _ => CompressionType.None,
    };

    /// <summary>Walks records by their zigzag varint length prefixes; the walk must end exactly at the end.</summary>
    private static int CountRecords(ReadOnlyMemory<byte> records)
    {
        var reader = new KafkaReader(records);
        var count = 0;
        while (reader.Remaining > 0)
        {
            var length = reader.ReadVarInt();
            Assert.False(reader.Failed, reader.Failure);
            Assert.InRange(length, 1, reader.Remaining);
            reader.Skip(length);
            count++;
        }
        return count;
    }
}
