using System.Globalization;

namespace Runnel.ClusterTests.Checking;

/// <summary>One anomaly, with enough detail to find it in the history file.</summary>
public sealed record Anomaly(int Partition, long Offset, string Detail)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"partition {Partition} offset {Offset}: {Detail}");
}

/// <summary>
/// What <see cref="HistoryChecker"/> found. Every list is an anomaly class that must be empty, except duplicates when
/// the producers ran without idempotence (then retries may legally write twice, and they are reported, not failed).
/// </summary>
public sealed record CheckReport
{
    public required int Attempts { get; init; }

    public required int Acknowledged { get; init; }

    public required int Failed { get; init; }

    /// <summary>Acknowledged writes whose report carried no offset (checked for loss, not for their position).</summary>
    public required int AcknowledgedWithoutOffset { get; init; }

    public required int Indeterminate { get; init; }

    public required int Faults { get; init; }

    public required bool DuplicatesAllowed { get; init; }

    /// <summary>Acknowledged writes absent from the final read.</summary>
    public required IReadOnlyList<Anomaly> Lost { get; init; }

    /// <summary>Values found at more than one offset.</summary>
    public required IReadOnlyList<Anomaly> Duplicates { get; init; }

    /// <summary>Offsets that held more than one value across acks, reads, the final read and replicas (below the high watermark).</summary>
    public required IReadOnlyList<Anomaly> Inconsistent { get; init; }

    /// <summary>Records a consumer read that the final read does not hold: it read past what was committed.</summary>
    public required IReadOnlyList<Anomaly> VanishedReads { get; init; }

    /// <summary>
    /// Records a consumer read during the run that are not committed at that offset: the offset is at or past the
    /// partition's final high watermark, or the final log holds another value there (see HistoryChecker).
    /// </summary>
    public required IReadOnlyList<Anomaly> ReadsPastHighWatermark { get; init; }

    /// <summary>Offsets below the high watermark where replicas differ (or a replica's log ends early).</summary>
    public required IReadOnlyList<Anomaly> ReplicaDivergence { get; init; }

    /// <summary>Acks at an offset not above one acknowledged before the write began (Redpanda's real-time rule).</summary>
    public required IReadOnlyList<Anomaly> AcksOutOfOrder { get; init; }

    /// <summary>A consumer (assign, no rebalance) seeing a partition's offset not above its previous one.</summary>
    public required IReadOnlyList<Anomaly> NonMonotonicReads { get; init; }

    /// <summary>Writes the producer called definitely failed, found in the log.</summary>
    public required IReadOnlyList<Anomaly> FailedWritesFound { get; init; }

    /// <summary>Values read that no producer of this workload sent.</summary>
    public required IReadOnlyList<Anomaly> Phantoms { get; init; }

    /// <summary>Indeterminate writes that turned out written: allowed, reported (as Jepsen's "unacknowledged writes found").</summary>
    public required int IndeterminateFound { get; init; }

    public required int Replicas { get; init; }

    public bool Clean => Lost.Count == 0 && (DuplicatesAllowed || Duplicates.Count == 0) && Inconsistent.Count == 0 && VanishedReads.Count == 0
        && ReadsPastHighWatermark.Count == 0 && ReplicaDivergence.Count == 0 && AcksOutOfOrder.Count == 0 && NonMonotonicReads.Count == 0 && FailedWritesFound.Count == 0 && Phantoms.Count == 0;

    /// <summary>The scenario's summary: the headline line first, then the other counts, then up to 5 examples per anomaly.</summary>
    public IReadOnlyList<string> Lines()
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"acknowledged writes lost: {Lost.Count} of {Acknowledged} across {Faults} faults"),
            string.Create(CultureInfo.InvariantCulture, $"duplicates: {Duplicates.Count}{(DuplicatesAllowed ? " (allowed: idempotence off)" : "")}; inconsistent offsets: {Inconsistent.Count}; reads that later vanished: {VanishedReads.Count}; reads past the high watermark: {ReadsPastHighWatermark.Count}; replica divergence below the high watermark: {ReplicaDivergence.Count} (replicas: {Replicas})"),
            string.Create(CultureInfo.InvariantCulture, $"acks out of real-time order: {AcksOutOfOrder.Count}; non-monotonic reads: {NonMonotonicReads.Count}; failed writes found: {FailedWritesFound.Count}; phantom reads: {Phantoms.Count}"),
            string.Create(CultureInfo.InvariantCulture, $"writes attempted: {Attempts}; failed: {Failed}; indeterminate: {Indeterminate} (of which found written: {IndeterminateFound}); acknowledged without an offset: {AcknowledgedWithoutOffset}"),
        };
        foreach (var (name, list) in new[] { ("lost", Lost), ("duplicate", Duplicates), ("inconsistent", Inconsistent), ("vanished read", VanishedReads), ("read past the high watermark", ReadsPastHighWatermark),
                     ("replica divergence", ReplicaDivergence), ("ack out of order", AcksOutOfOrder), ("non-monotonic read", NonMonotonicReads),
                     ("failed write found", FailedWritesFound), ("phantom", Phantoms) })
        {
            foreach (var anomaly in list.Take(5))
                lines.Add($"  {name}: {anomaly}");
        }
        return lines;
    }
}
