using System.Buffers.Binary;
using Runnel.Protocol.Records;

namespace Runnel.Storage.Benchmarks;

/// <summary>Batches and scratch directories shared by the benchmarks.</summary>
internal static class BenchData
{
    public static string NewDirectory(string name)
    {
        var root = Environment.GetEnvironmentVariable("RUNNEL_BENCH_DIR") ?? Path.GetTempPath();
        var dir = Path.Combine(root, $"runnel-bench-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A valid uncompressed batch of <paramref name="size"/> bytes: one record with a filler value.</summary>
    public static byte[] Batch(int size)
    {
        var batch = new byte[size];
        var s = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(s[RecordBatchHeader.BatchLengthOffset..], size - RecordBatchHeader.LogOverhead);
        s[RecordBatchHeader.MagicOffset] = 2;
        BinaryPrimitives.WriteInt64BigEndian(s[RecordBatchHeader.BaseTimestampOffset..], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64BigEndian(s[RecordBatchHeader.MaxTimestampOffset..], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64BigEndian(s[RecordBatchHeader.ProducerIdOffset..], -1);
        BinaryPrimitives.WriteInt32BigEndian(s[RecordBatchHeader.RecordCountOffset..], 1);
        new Random(1).NextBytes(s[RecordBatchHeader.Size..]);
        BinaryPrimitives.WriteUInt32BigEndian(s[RecordBatchHeader.CrcOffset..], Crc32C.Compute(s[RecordBatchHeader.AttributesOffset..]));
        return batch;
    }

    public static void Delete(string dir)
    {
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
    }
}

