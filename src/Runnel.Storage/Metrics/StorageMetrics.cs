using System.Diagnostics.Metrics;

namespace Runnel.Storage.Metrics;

/// <summary>
/// Storage's instruments, on one process-wide meter (<see cref="MeterName"/>): logs do not know which broker owns
/// them, so in a process with several brokers the figures are the sum of all of them.
/// </summary>
public static class StorageMetrics
{
    /// <summary>The name of the meter the instruments below are on.</summary>
    public const string MeterName = "Runnel.Storage";

    private static readonly Meter StorageMeter = new(MeterName);

    // Declared before the histogram below: static fields initialise in order.
    /// <summary>Bucket bounds in seconds from 0.1 ms to 10 s, for latencies of disk and network operations.</summary>
    public static IReadOnlyList<double> LatencyBuckets { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>
    /// The duration of each fsync of a log (segment bytes, indexes, snapshots and directory), Kafka's
    /// kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs. A flush with nothing new to write is not recorded.
    /// </summary>
    internal static readonly Histogram<double> LogFlushTime = StorageMeter.CreateHistogram("kafka.log.logflushstats.logflush", "s",
        "Duration of log fsyncs", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
}
