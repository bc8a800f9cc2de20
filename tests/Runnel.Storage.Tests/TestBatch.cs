using System.Buffers.Binary;
using System.Text;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Storage.Tests;

/// <summary>A record for <see cref="TestBatch"/>; a null value is a tombstone.</summary>
internal readonly record struct TestRecord(string? Key, string? Value, long Timestamp);

/// <summary>
/// Builds valid magic-2 record batches (uncompressed, CRC set) for tests. Only a writer: storage never parses records.
/// </summary>
internal static class TestBatch
{
    public static byte[] Build(int records, long timestamp, int valueBytes = 10, string keyPrefix = "k") =>
        Build([.. Enumerable.Range(0, records).Select(i => new TestRecord($"{keyPrefix}{i}", new string('v', valueBytes), timestamp + i))]);

    public static byte[] Build(IReadOnlyList<TestRecord> records, long baseOffset = 0)
    {
        var body = new List<byte>();
        var baseTimestamp = records.Min(r => r.Timestamp);
        for (var i = 0; i < records.Count; i++)
            body.AddRange(EncodeRecord(records[i], i, baseTimestamp));
        var batch = new byte[RecordBatchHeader.Size + body.Count];
        var s = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(s, baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(s[RecordBatchHeader.BatchLengthOffset..], batch.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(s[RecordBatchHeader.PartitionLeaderEpochOffset..], 0);
        s[RecordBatchHeader.MagicOffset] = 2;
        BinaryPrimitives.WriteInt16BigEndian(s[RecordBatchHeader.AttributesOffset..], 0);
        BinaryPrimitives.WriteInt32BigEndian(s[RecordBatchHeader.LastOffsetDeltaOffset..], records.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(s[RecordBatchHeader.BaseTimestampOffset..], baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(s[RecordBatchHeader.MaxTimestampOffset..], records.Max(r => r.Timestamp));
        BinaryPrimitives.WriteInt64BigEndian(s[RecordBatchHeader.ProducerIdOffset..], -1);
        BinaryPrimitives.WriteInt16BigEndian(s[RecordBatchHeader.ProducerEpochOffset..], -1);
        BinaryPrimitives.WriteInt32BigEndian(s[RecordBatchHeader.BaseSequenceOffset..], -1);
        BinaryPrimitives.WriteInt32BigEndian(s[RecordBatchHeader.RecordCountOffset..], records.Count);
        body.CopyTo(batch, RecordBatchHeader.Size);
        BinaryPrimitives.WriteUInt32BigEndian(s[RecordBatchHeader.CrcOffset..], Crc32C.Compute(s[RecordBatchHeader.AttributesOffset..]));
        return batch;
    }

    private static List<byte> EncodeRecord(TestRecord record, int offsetDelta, long baseTimestamp)
    {
        var inner = new List<byte> { 0 };
        Signed(inner, record.Timestamp - baseTimestamp);
        Signed(inner, offsetDelta);
        Bytes(inner, record.Key);
        Bytes(inner, record.Value);
        Signed(inner, 0);
        var result = new List<byte>();
        Signed(result, inner.Count);
        result.AddRange(inner);
        return result;
    }

    private static void Bytes(List<byte> to, string? text)
    {
        if (text is null)
        {
            Signed(to, -1);
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        Signed(to, bytes.Length);
        to.AddRange(bytes);
    }

    private static void Signed(List<byte> to, long value)
    {
        Span<byte> buffer = stackalloc byte[10];
        to.AddRange(buffer[..VarInt.WriteUnsigned(buffer, VarInt.ZigZag(value))]);
    }

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
