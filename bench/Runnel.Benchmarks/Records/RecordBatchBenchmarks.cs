using BenchmarkDotNet.Attributes;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Benchmarks.Records;

/// <summary>
/// The broker's per-produce work on a 1 MiB uncompressed batch of ~100-byte records (10-byte key, 80-byte value):
/// full validation (CRC plus the record walk), the CRC alone, and reading every record. The MB/s column divides the
/// batch size by the mean time; the target for validation is 3 GB/s.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class RecordBatchBenchmarks
{
    public const int BatchBytes = 1 << 20;

    private byte[] _batch = [];
    private RecordBatchValidationOptions _options;

    [GlobalSetup]
    public void Setup()
    {
        using var writer = new KafkaWriter(BatchBytes + 4096);
        using var builder = new RecordBatchBuilder();
        var key = new byte[10];
        var value = new byte[80];
        new Random(1).NextBytes(value);
        builder.Begin(writer, new RecordBatchSettings { ProducerId = 1000, ProducerEpoch = 0, BaseSequence = 0 });
        for (var i = 0; builder.UncompressedSize < BatchBytes - 100; i++)
        {
            BitConverter.TryWriteBytes(key, i);
            builder.Append(1_700_000_000_000 + i, key, value);
        }
        builder.Finish();
        _batch = writer.WrittenSpan.ToArray();
        _options = new RecordBatchValidationOptions { MaxBatchBytes = int.MaxValue };
        if (!RecordBatchValidator.Validate(_batch, _options, out _).IsValid)
            throw new InvalidOperationException("benchmark batch does not validate");
    }

    [Benchmark(Baseline = true)]
    public uint Crc32C1MiB() => RecordBatch.ComputeCrc(_batch);

    [Benchmark]
    public int Validate1MiB()
    {
        RecordBatchValidator.Validate(_batch, _options, out var info);
        return info.RecordCount;
    }

    [Benchmark]
    public long EnumerateRecords1MiB()
    {
        long sum = 0;
        foreach (var record in RecordBatch.ReadRecords(_batch))
            sum += record.Offset + record.Key.Length + record.Value.Length;
        return sum;
    }
}
