using Runnel.Protocol.Compression;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Protocol.Tests.Compression;

namespace Runnel.Protocol.Tests.Records;

/// <summary>
/// Batches real clients sent (Fixtures/captures, from shared/reference/captures, one batch per partition as
/// Produce v3+ requires) validate as a Produce request's would, and read back as sent.
/// What was sent comes from shared/tools: kafka-python sends value-{i} with key k{i % 7} and header h=x for i below
/// 500; KafkaJS v{i} with key k{i % 5} and header h=x for i below 200; kcat rec-1..rec-2000 without keys or headers.
/// </summary>
public sealed class CaptureBatchTests
{
    [Fact]
    public void Kafka_python_uncompressed_batches_read_back_as_sent() => AssertKafkaPython(ReadScenario("kafka-python-none"));

    [Fact]
    public void Kcat_uncompressed_batch_reads_back_in_order()
    {
        var records = ReadScenario("kcat-produce-none");
        AssertKcat(records);
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => $"rec-{i}"), records.Select(r => r.ValueText));
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i), records.Select(r => r.Offset));
    }

    [Fact]
    public void Kcat_batches_spread_over_partitions_read_back_as_sent() => AssertKcat(ReadScenario("kcat-group"));

    [Fact]
    public void Every_captured_batch_validates()
    {
        var batches = CaptureProduceBatches.Requests().SelectMany(CaptureProduceBatches.Read).ToList();
        Assert.True(batches.Count >= 40, $"only {batches.Count} captured batches");
        Assert.All(batches, batch => Assert.True(TestBatches.Validate(batch.Span).IsValid, TestBatches.Validate(batch.Span).ToString()));
        Assert.Contains(batches, batch => (batch.Span[RecordBatchHeader.AttributesOffset + 1] & 7) == (int)CompressionType.None);
        Assert.Contains(batches, batch => (batch.Span[RecordBatchHeader.AttributesOffset + 1] & 7) == (int)CompressionType.Zstd);
    }

    [Fact]
    public void Gzip_batches_from_kafka_python_kcat_and_kafkajs_read_back_as_sent()
    {
        AssertKafkaPython(ReadScenario("kafka-python-gzip"));
        AssertKcat(ReadScenario("kcat-produce-gzip"));
        var kafkaJs = ReadScenario("kafkajs");
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"v{i}").Order(), kafkaJs.Select(r => r.ValueText).Order());
        Assert.All(kafkaJs, r => AssertKeyAndHeader(r, $"k{int.Parse(r.ValueText![1..], System.Globalization.CultureInfo.InvariantCulture) % 5}"));
    }

    [Fact]
    public void Snappy_batches_raw_from_kcat_and_xerial_from_kafka_python_read_back_as_sent()
    {
        AssertKafkaPython(ReadScenario("kafka-python-snappy"));
        AssertKcat(ReadScenario("kcat-produce-snappy"));
    }

    [Fact]
    public void Lz4_batches_read_back_as_sent()
    {
        AssertKafkaPython(ReadScenario("kafka-python-lz4"));
        AssertKcat(ReadScenario("kcat-produce-lz4"));
    }

    [Fact]
    public void Zstd_batches_read_back_as_sent()
    {
        AssertKafkaPython(ReadScenario("kafka-python-zstd"));
        AssertKcat(ReadScenario("kcat-produce-zstd"));
    }

    /// <summary>Validates every partition's batch as a Produce request would and reads its records back.</summary>
    private static List<ReadRecord> ReadScenario(string prefix)
    {
        var all = new List<ReadRecord>();
        using var scratch = new KafkaWriter();
        var requests = CaptureProduceBatches.Requests(prefix).ToList();
        Assert.NotEmpty(requests);
        foreach (var batch in requests.SelectMany(CaptureProduceBatches.Read))
        {
            var result = RecordBatchValidator.Validate(batch.Span, new RecordBatchValidationOptions(), out var info, scratch);
            Assert.True(result.IsValid, $"{prefix}: {result}");
            Assert.Equal(batch.Length, info.SizeInBytes);
            Assert.Equal(info.DeclaredMaxTimestamp, info.MaxTimestamp);
            var records = TestBatches.ReadAll(batch.Span);
            Assert.Equal(info.RecordCount, records.Count);
            Assert.All(records, r => Assert.InRange(r.Timestamp, info.BaseTimestamp, info.MaxTimestamp));
            all.AddRange(records);
        }
        return all;
    }

    private static void AssertKafkaPython(List<ReadRecord> records)
    {
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"value-{i}").Order(), records.Select(r => r.ValueText).Order());
        Assert.All(records, r => AssertKeyAndHeader(r, $"k{int.Parse(r.ValueText!["value-".Length..], System.Globalization.CultureInfo.InvariantCulture) % 7}"));
    }

    private static void AssertKcat(List<ReadRecord> records)
    {
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => $"rec-{i}").Order(), records.Select(r => r.ValueText).Order());
        Assert.All(records, r => Assert.Null(r.Key));
        Assert.All(records, r => Assert.Empty(r.Headers));
    }

    private static void AssertKeyAndHeader(ReadRecord record, string key)
    {
        Assert.Equal(key, record.KeyText);
        var header = Assert.Single(record.Headers);
        Assert.Equal("h", header.Key);
        Assert.Equal("x"u8.ToArray(), header.Value);
    }
}
