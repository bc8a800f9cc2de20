using BenchmarkDotNet.Attributes;

namespace Runnel.Storage.Benchmarks;

/// <summary>
/// Durable appends of 1 KiB batches, 1,600 per operation: one appender that fsyncs after every append (the
/// baseline) against 8 concurrent appenders whose appends are acknowledged by the group committer's fsyncs, on 8
/// partitions and on one. The appends/s ratio is 1 / Ratio.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8, invocationCount: 1)]
public class GroupCommitBenchmarks
{
    private const int Appends = 1600;
    private const int Appenders = 8;
    private byte[] _batch = [];
    private string _dir = "";
    private LogManager? _manager;

    [GlobalSetup]
    public void Setup() => _batch = BenchData.Batch(1024);

    [IterationSetup]
    public void IterationSetup()
    {
        _dir = BenchData.NewDirectory("commit");
        _manager = LogManager.Open(new LogManagerOptions { LogDirs = [_dir], Durability = DurabilityMode.GroupCommit });
        for (var p = 0; p < Appenders; p++)
            _manager.GetOrCreateLog(new TopicPartition("bench", p));
    }

    [IterationCleanup]
    public void IterationCleanup()
    {
        _manager?.Dispose();
        BenchData.Delete(_dir);
    }

    [Benchmark(Baseline = true)]
    public void OneAppenderFsyncEach()
    {
        var log = _manager!.GetLog(new TopicPartition("bench", 0))!;
        for (var i = 0; i < Appends; i++)
        {
            log.Append(_batch);
            log.Flush();
        }
    }

    [Benchmark]
    public Task EightAppendersEightPartitions() => Run(p => new TopicPartition("bench", p));

    [Benchmark]
    public Task EightAppendersOnePartition() => Run(_ => new TopicPartition("bench", 0));

    private Task Run(Func<int, TopicPartition> partitionOf) =>
        Task.WhenAll(Enumerable.Range(0, Appenders).Select(a => Task.Run(async () =>
        {
            var log = _manager!.GetLog(partitionOf(a))!;
            var batch = (byte[])_batch.Clone();
            for (var i = 0; i < Appends / Appenders; i++)
            {
                var info = log.Append(batch);
                await log.WaitForDurableAsync(info.LastOffset + 1).ConfigureAwait(false);
            }
        })));
}
