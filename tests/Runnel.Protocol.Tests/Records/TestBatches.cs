using System.Buffers.Binary;
using System.Text;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Protocol.Tests.Records;

/// <summary>A record as plain data, for building batches and comparing what reads back.</summary>
internal sealed record TestRecord(long Timestamp, byte[]? Key, byte[]? Value, (string Key, byte[]? Value)[] Headers)
{
    public static TestRecord Of(long timestamp, string? key, string? value, params (string Key, string? Value)[] headers)
        => new(timestamp, Bytes(key), Bytes(value), headers.Select(h => (h.Key, Bytes(h.Value))).ToArray());

    private static byte[]? Bytes(string? s) => s is null ? null : Encoding.UTF8.GetBytes(s);
}

/// <summary>A record read back from a batch, copied out of the span views so tests can compare it.</summary>
internal sealed record ReadRecord(long Offset, long Timestamp, byte[]? Key, byte[]? Value, (string Key, byte[]? Value)[] Headers)
{
    public string? KeyText => Key is null ? null : Encoding.UTF8.GetString(Key);

    public string? ValueText => Value is null ? null : Encoding.UTF8.GetString(Value);
}

internal static class TestBatches
{
    public static byte[] Build(IEnumerable<TestRecord> records, RecordBatchSettings settings = default)
    {
        using var writer = new KafkaWriter();
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, settings);
        foreach (var r in records)
        {
            var headers = r.Headers.Select(h => new RecordHeader(h.Key, h.Value)).ToArray();
            builder.Append(r.Timestamp, r.Key, r.Value, headers);
        }
        builder.Finish();
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Simple producer batch: record i has key "k{i % 7}", value "value-{i}" and header h=x.</summary>
    public static byte[] Simple(int count, long baseTimestamp = 1_700_000_000_000, CompressionType compression = CompressionType.None)
        => Build(
            Enumerable.Range(0, count).Select(i => TestRecord.Of(baseTimestamp + i, $"k{i % 7}", $"value-{i}", ("h", "x"))),
            new RecordBatchSettings { Compression = compression });

    /// <summary>Recomputes the CRC after a test changed covered bytes, so later checks are reached.</summary>
    public static void FixCrc(Span<byte> batch)
        => BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatchHeader.CrcOffset..], Crc32C.Compute(batch[RecordBatchHeader.AttributesOffset..]));

    public static List<ReadRecord> ReadAll(ReadOnlySpan<byte> batch, KafkaWriter? scratch = null)
    {
        var result = new List<ReadRecord>();
        using var owned = new KafkaWriter();
        var records = RecordBatch.ReadRecords(batch, scratch ?? owned, RecordBatchValidationOptions.DefaultMaxUncompressedBytes);
        foreach (var r in records)
        {
            var headers = new List<(string, byte[]?)>();
            foreach (var h in r.Headers)
                headers.Add((Encoding.UTF8.GetString(h.Key), h.IsValueNull ? null : h.Value.ToArray()));
            result.Add(new ReadRecord(r.Offset, r.Timestamp, r.IsKeyNull ? null : r.Key.ToArray(), r.IsValueNull ? null : r.Value.ToArray(), [.. headers]));
        }
        Assert.True(records.Error == RecordBatchError.None, records.ErrorMessage);
        return result;
    }

    public static RecordBatchValidationResult Validate(ReadOnlySpan<byte> buffer, RecordBatchValidationOptions? options = null)
        => RecordBatchValidator.Validate(buffer, options ?? new RecordBatchValidationOptions(), out _);
}
