using System.Diagnostics;
using Confluent.Kafka;

namespace Runnel.ClusterTests.Workload;

/// <summary>
/// The last phase of every scenario, after the faults healed and the producers stopped: each partition's high
/// watermark, then a fresh consumer reads every partition from the beginning up to it.
/// </summary>
internal static class FinalRead
{
    public static Task<(Dictionary<int, IReadOnlyList<LogEntry>> Entries, Dictionary<int, long> HighWatermarks)> RunAsync(WorkloadOptions options, ClientLog log, TimeSpan timeout)
        => Task.Factory.StartNew(() => Read(options, log, timeout), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static (Dictionary<int, IReadOnlyList<LogEntry>>, Dictionary<int, long>) Read(WorkloadOptions options, ClientLog log, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using var consumer = ConsumerLoop.Build(options, "final-read", log, partitionEof: true);
        var partitions = Enumerable.Range(0, options.Partitions).Select(p => new TopicPartition(options.Topic, p)).ToList();
        var highWatermarks = new Dictionary<int, long>();
        foreach (var tp in partitions)
            highWatermarks[tp.Partition.Value] = HighWatermark(consumer, tp, timeout - clock.Elapsed);

        var entries = partitions.ToDictionary(tp => tp.Partition.Value, _ => new List<LogEntry>());
        var next = partitions.ToDictionary(tp => tp.Partition.Value, _ => 0L);
        consumer.Assign(partitions.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        while (next.Any(p => p.Value < highWatermarks[p.Key]))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"final read did not reach the high watermarks within {timeout.TotalSeconds} s: "
                    + string.Join(", ", next.Select(p => $"partition {p.Key} at {p.Value} of {highWatermarks[p.Key]}")));
            }
            try
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is null || result.IsPartitionEOF || result.Message is null)
                    continue;
                var partition = result.Partition.Value;
                entries[partition].Add(new LogEntry(result.Offset.Value, result.Message.Value));
                next[partition] = result.Offset.Value + 1;
            }
            catch (ConsumeException e)
            {
                log.Error("final-read", e.Error);
            }
        }
        return (entries.ToDictionary(e => e.Key, e => (IReadOnlyList<LogEntry>)e.Value), highWatermarks);
    }

    private static long HighWatermark(IConsumer<Ignore, string> consumer, TopicPartition tp, TimeSpan remaining)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High.Value;
            }
            catch (KafkaException) when (clock.Elapsed < remaining)
            {
                // Leader not known yet right after the heal: ask again, the bound is the final read's timeout.
            }
        }
    }
}
