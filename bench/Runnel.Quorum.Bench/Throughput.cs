using System.Diagnostics;

namespace Runnel.Quorum.Bench;

internal sealed record ThroughputResult(double RecordsPerSecond, double P50Ms, double P99Ms);

/// <summary>Appends batches to the leader with a fixed number in flight and counts what the quorum commits.</summary>
internal static class Throughput
{
    public static async Task<ThroughputResult> RunAsync(BenchNode leader, TimeSpan duration, int recordBytes, int recordsPerBatch, int inFlight)
    {
        var records = Enumerable.Range(0, recordsPerBatch).Select(_ => (ReadOnlyMemory<byte>)new byte[recordBytes]).ToList();
        var latencies = new List<double>();
        var committed = 0L;
        var watch = Stopwatch.StartNew();
        async Task Worker()
        {
            while (watch.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                var last = await leader.Driver.AppendAsync(records) ?? throw new InvalidOperationException("Leadership lost during the run.");
                await leader.Machine.WaitForAsync(last + 1);
                lock (latencies)
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Add(ref committed, recordsPerBatch);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(Worker)));
        var seconds = watch.Elapsed.TotalSeconds;
        latencies.Sort();
        return new ThroughputResult(committed / seconds, latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)]);
    }
}
