using System.Buffers.Binary;
using System.Text;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Storage.Tests;

/// <summary>A record for <see cref="TestBatch"/>; a null value is a tombstone.</summary>
internal readonly record struct TestRecord(string? Key, string? Value, long Timestamp);

/// <summary>
/// Builds valid magic-2 record batches (uncompressed, CRC set) for tests with the Protocol's builder.
/// </summary>
internal static class TestBatch
{
    public static byte[] Build(int records, long timestamp, int valueBytes = 10, string keyPrefix = "k") =>
        Build([.. Enumerable.Range(0, records).Select(i => new TestRecord($"{keyPrefix}{i}", new string('v', valueBytes), timestamp + i))]);

    public static byte[] Build(IReadOnlyList<TestRecord> records, long baseOffset = 0)
    {
        using var writer = new KafkaWriter();
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, new RecordBatchSettings { BaseOffset = baseOffset });
        foreach (var record in records)
            builder.Append(record.Timestamp, Bytes(record.Key), Bytes(record.Value));
        builder.Finish();
        return writer.WrittenSpan.ToArray();
    }

    private static byte[]? Bytes(string? text) => text is null ? null : Encoding.UTF8.GetBytes(text);

    public static long BaseOffsetOf(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt64BigEndian(batch);

    /// <summary>(base offset, last offset, size) of each batch in a buffer of whole batches.</summary>
    public static List<(long Base, long Last, int Size)> Split(ReadOnlySpan<byte> bytes)
    {
        var result = new List<(long, long, int)>();
        for (var pos = 0; pos < bytes.Length;)
        {
            RecordBatchHeader.TryRead(bytes[pos..], out var header);
            result.Add((header.BaseOffset, header.LastOffset, header.TotalSize));
            pos += header.TotalSize;
        }
        return result;
    }
}
