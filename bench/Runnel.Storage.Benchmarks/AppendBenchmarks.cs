using BenchmarkDotNet.Attributes;

namespace Runnel.Storage.Benchmarks;

/// <summary>
/// Appending 16 KiB batches (64 MiB per operation, page cache, no fsync) against a plain sequential FileStream write
/// of the same bytes. The Ratio column is log time / plain time; bandwidth ratio = 1 / Ratio.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10, invocationCount: 1)]
public class AppendBenchmarks
{
    private const int BatchSize = 16 * 1024;
    private const int Batches = 4096;
    private byte[] _batch = [];
    private string _dir = "";
    private LogManager? _manager;
    private PartitionLog? _log;

    [GlobalSetup]
    public void Setup() => _batch = BenchData.Batch(BatchSize);

    [IterationSetup]
    public void IterationSetup()
    {
        _dir = BenchData.NewDirectory("append");
        _manager = LogManager.Open(new LogManagerOptions { LogDirs = [_dir], Durability = DurabilityMode.PageCache });
        _log = _manager.GetOrCreateLog(new TopicPartition("bench", 0));
    }

    [IterationCleanup]
    public void IterationCleanup()
    {
        _manager?.Dispose();
        BenchData.Delete(_dir);
    }

    [Benchmark(Baseline = true)]
    public void PlainFileStreamWrite()
    {
        using var file = new FileStream(Path.Combine(_dir, "plain"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (var i = 0; i < Batches; i++)
            file.Write(_batch);
    }

    [Benchmark]
    public void PartitionLogAppend()
    {
        for (var i = 0; i < Batches; i++)
            _log!.Append(_batch);
    }
}
