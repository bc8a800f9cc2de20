using Runnel.Protocol.Primitives;
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

    /// <summary>A valid uncompressed batch of one record, padded with a value so the batch is <paramref name="size"/> bytes.</summary>
    public static byte[] Batch(int size)
    {
        var value = new byte[size - RecordBatchHeader.Size];
        new Random(1).NextBytes(value);
        using var writer = new KafkaWriter(size);
        using var builder = new RecordBatchBuilder();
        // The record's own framing (length, attributes, deltas, key and value lengths, header count) takes a few
        // bytes of the value's room: shrink the value until the batch is exactly the size asked for.
        for (var trim = 0; ; trim++)
        {
            writer.Reset();
            builder.Begin(writer, new RecordBatchSettings());
            builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RecordBytes.Null, value.AsSpan(trim));
            if (builder.Finish() <= size)
                return writer.WrittenSpan.ToArray();
        }
    }

    public static void Delete(string dir)
    {
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
    }
}

