using BenchmarkDotNet.Attributes;

namespace Runnel.Storage.Benchmarks;

/// <summary>
/// Reading back 64 MiB of 16 KiB batches in 1 MiB fetches copied into pooled memory, against a plain sequential
/// FileStream read of the same bytes into a 1 MiB buffer. Both from the page cache.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class ReadBenchmarks
{
    private const int FetchBytes = 1024 * 1024;
    private readonly byte[] _buffer = new byte[FetchBytes];
    private string _dir = "";
    private string _plain = "";
    private LogManager? _manager;
    private PartitionLog? _log;

    [GlobalSetup]
    public void Setup()
    {
        _dir = BenchData.NewDirectory("read");
        _manager = LogManager.Open(new LogManagerOptions { LogDirs = [_dir], Durability = DurabilityMode.PageCache });
        _log = _manager.GetOrCreateLog(new TopicPartition("bench", 0));
        var batch = BenchData.Batch(16 * 1024);
        _plain = Path.Combine(_dir, "plain");
        using var plain = new FileStream(_plain, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (var i = 0; i < 4096; i++)
        {
            _log.Append(batch);
            plain.Write(batch);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _manager?.Dispose();
        BenchData.Delete(_dir);
    }

    [Benchmark(Baseline = true)]
    public long PlainFileStreamRead()
    {
        using var file = new FileStream(_plain, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        long total = 0;
        int n;
        while ((n = file.Read(_buffer)) > 0)
            total += n;
        return total;
    }

    [Benchmark]
    public long PartitionLogRead()
    {
        long total = 0;
        var offset = 0L;
        while (offset < _log!.LogEndOffset)
        {
            using var read = _log.Read(offset, FetchBytes);
            read.CopyTo(_buffer);
            total += read.Length;
            offset = read.NextOffset;
        }
        return total;
    }
}
