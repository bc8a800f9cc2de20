using System.Diagnostics;
using System.Globalization;

namespace Runnel.Storage.Benchmarks;

/// <summary>
/// A bench script for a shared, noisy machine: each storage operation and its plain-file baseline run back to back,
/// many times over, and the median of the per-pair ratios is reported, so a disk that is busy for a moment skews
/// both sides of a pair alike instead of one benchmark's whole measurement.
/// </summary>
internal static class Interleaved
{
    public static async Task RunAsync(int pairs)
    {
        var append = new AppendBenchmarks();
        var read = new ReadBenchmarks();
        var commit = new GroupCommitBenchmarks();
        append.Setup();
        read.Setup();
        commit.Setup();
        try
        {
            Report("append 16 KiB batches: bandwidth log / plain write", pairs, () => Time(append, a => a.PlainFileStreamWrite()), () => Time(append, a => a.PartitionLogAppend()));
            Report("read 1 MiB fetches: bandwidth log / plain read", pairs, () => Time(() => read.PlainFileStreamRead()), () => Time(() => read.PartitionLogRead()));
            Report("group commit: appends/s 8 appenders on 8 partitions / 1 appender fsync each", pairs,
                () => TimeCommit(commit, c => { c.OneAppenderFsyncEach(); return Task.CompletedTask; }), () => TimeCommit(commit, c => c.EightAppendersEightPartitions()));
            Report("group commit: appends/s 8 appenders on 1 partition / 1 appender fsync each", pairs,
                () => TimeCommit(commit, c => { c.OneAppenderFsyncEach(); return Task.CompletedTask; }), () => TimeCommit(commit, c => c.EightAppendersOnePartition()));
        }
        finally
        {
            read.Cleanup();
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static void Report(string name, int pairs, Func<double> baseline, Func<double> subject)
    {
        var ratios = new List<double>();
        var baseTimes = new List<double>();
        var subjectTimes = new List<double>();
        for (var i = 0; i < pairs; i++)
        {
            var b = baseline();
            var s = subject();
            baseTimes.Add(b);
            subjectTimes.Add(s);
            ratios.Add(b / s);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: median ratio {Median(ratios):F2} (min {ratios.Min():F2}, max {ratios.Max():F2}); median times baseline {Median(baseTimes):F1} ms, storage {Median(subjectTimes):F1} ms; {pairs} pairs"));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static double Time(Action action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Time(AppendBenchmarks bench, Action<AppendBenchmarks> action)
    {
        bench.IterationSetup();
        try
        {
            return Time(() => action(bench));
        }
        finally
        {
            bench.IterationCleanup();
        }
    }

    private static double TimeCommit(GroupCommitBenchmarks bench, Func<GroupCommitBenchmarks, Task> action)
    {
        bench.IterationSetup();
        try
        {
            return Time(() => action(bench).GetAwaiter().GetResult());
        }
        finally
        {
            bench.IterationCleanup();
        }
    }
}
