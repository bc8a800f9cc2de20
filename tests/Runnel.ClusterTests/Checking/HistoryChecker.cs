using System.Globalization;
using Runnel.ClusterTests.Workload;

namespace Runnel.ClusterTests.Checking;

/// <summary>
/// Checks a recorded <see cref="History"/> the way Jepsen's Kafka workload does, for what our scenarios record:
/// every acknowledged write is in the final read (lost), no value sits at two offsets (duplicate), no offset holds two
/// values across acks, reads, the final read and replicas (inconsistent), nothing a consumer read is gone at the end
/// (vanished: it read past what was committed), every read was of a committed record at its offset (below the final
/// high watermark, with the value the final log has there), replicas agree below the high watermark, acks respect real time
/// (a write acknowledged before another began has a lower offset), assigned consumers never go back, definitely failed
/// writes never appear, and nothing is read that was never sent.
/// </summary>
public static class HistoryChecker
{
    public static CheckReport Check(History history, bool duplicatesAllowed = false)
    {
        var written = history.Writes.GroupBy(w => w.Value, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var acknowledged = history.Writes.Where(w => w.Status == WriteStatus.Ok).ToList();
        // librdkafka's idempotent producer may report success without an offset (-1001): a retried batch the broker
        // already had, acknowledged implicitly by a later batch's ack. Such a write must still be in the log (lost
        // counts it) but names no offset to compare.
        var acknowledgedAt = acknowledged.Where(w => w.Offset >= 0).ToList();
        var finalValues = history.FinalRead.Values.SelectMany(e => e).Select(e => e.Value).ToHashSet(StringComparer.Ordinal);
        var observations = new Observations();
        foreach (var write in acknowledgedAt)
            observations.Add(write.Partition, write.Offset, write.Value, "ack");
        foreach (var read in history.Reads)
            observations.Add(read.Partition, read.Offset, read.Value, read.Consumer);
        foreach (var (partition, entries) in history.FinalRead)
        {
            foreach (var entry in entries)
                observations.Add(partition, entry.Offset, entry.Value, "final read");
        }
        foreach (var replica in history.Replicas)
        {
            foreach (var (partition, entries) in replica.Partitions)
            {
                // Above the high watermark a replica may hold what was never committed; only the committed prefix must agree.
                var hw = history.HighWatermarks.GetValueOrDefault(partition, long.MaxValue);
                foreach (var entry in entries.Where(e => e.Offset < hw))
                    observations.Add(partition, entry.Offset, entry.Value, replica.Replica);
            }
        }

        var seenAnywhere = observations.SeenValues();
        return new CheckReport
        {
            Attempts = history.Writes.Count,
            Acknowledged = acknowledged.Count,
            Failed = history.Writes.Count(w => w.Status == WriteStatus.Failed),
            Indeterminate = history.Writes.Count(w => w.Status == WriteStatus.Indeterminate),
            Faults = history.FaultCount,
            DuplicatesAllowed = duplicatesAllowed,
            Replicas = history.Replicas.Count,
            Lost = [.. acknowledged.Where(w => !finalValues.Contains(w.Value))
                .Select(w => new Anomaly(w.Partition, w.Offset, $"{w.Value} acknowledged at {Ms(w.CompletedMs)}, not in the final read"))],
            Duplicates = observations.Duplicates(),
            Inconsistent = observations.Inconsistent(),
            VanishedReads = [.. history.Reads.Where(r => !finalValues.Contains(r.Value)).DistinctBy(r => r.Value)
                .Select(r => new Anomaly(r.Partition, r.Offset, $"{r.Value} read by {r.Consumer} at {Ms(r.AtMs)}, not in the final read"))],
            ReadsPastHighWatermark = ReadsPastHighWatermark(history),
            ReplicaDivergence = ReplicaDivergence(history),
            AcksOutOfOrder = AcksOutOfOrder(acknowledgedAt),
            AcknowledgedWithoutOffset = acknowledged.Count - acknowledgedAt.Count,
            NonMonotonicReads = NonMonotonicReads(history.Reads),
            FailedWritesFound = [.. history.Writes.Where(w => w.Status == WriteStatus.Failed && seenAnywhere.Contains(w.Value))
                .Select(w => new Anomaly(w.Partition, -1, $"{w.Value} failed ({w.Error}) but was read"))],
            IndeterminateFound = history.Writes.Count(w => w.Status == WriteStatus.Indeterminate && seenAnywhere.Contains(w.Value)),
            Phantoms = observations.Phantoms(written),
        };
    }

    /// <summary>
    /// Consumers read only committed records. The precise rule, checkable from outside: the high watermark never goes
    /// back over committed records and the final read (after every fault healed and the producers stopped) is the
    /// committed log up to the final high watermark HW(p). So a record a consumer received at offset o of partition p
    /// was below the high watermark when served if and only if o &lt; HW(p) and the final log holds the same value at o.
    /// A read at o &gt;= HW(p), or of a value the final log does not hold at o, came from past some leader's high
    /// watermark: from a log tail that was later truncated (Kafka's "consumers read uncommitted data" anomaly).
    /// </summary>
    private static List<Anomaly> ReadsPastHighWatermark(History history)
    {
        var committed = history.FinalRead.ToDictionary(p => p.Key, p => p.Value.ToDictionary(e => e.Offset, e => e.Value));
        var anomalies = new List<Anomaly>();
        foreach (var read in history.Reads)
        {
            var hw = history.HighWatermarks.GetValueOrDefault(read.Partition, 0);
            if (read.Offset >= hw)
                anomalies.Add(new Anomaly(read.Partition, read.Offset, $"{read.Value} read by {read.Consumer} at {Ms(read.AtMs)}, at or past the final high watermark {hw}"));
            else if (committed.GetValueOrDefault(read.Partition)?.GetValueOrDefault(read.Offset) is { } value && value != read.Value)
                anomalies.Add(new Anomaly(read.Partition, read.Offset, $"{read.Value} read by {read.Consumer} at {Ms(read.AtMs)}; the committed log holds {value} there"));
        }
        return anomalies;
    }

    /// <summary>Below the high watermark every replica holds every offset from its first one, with one value across replicas.</summary>
    private static List<Anomaly> ReplicaDivergence(History history)
    {
        var anomalies = new List<Anomaly>();
        if (history.Replicas.Count == 0)
            return anomalies;
        foreach (var (partition, hw) in history.HighWatermarks)
        {
            var logs = history.Replicas.Select(r => (r.Replica, Entries: r.Partitions.GetValueOrDefault(partition, []).ToDictionary(e => e.Offset, e => e.Value))).ToList();
            // Retention may have removed a prefix on some replica; compare from the latest log start.
            var from = logs.Max(l => l.Entries.Count > 0 ? l.Entries.Keys.Min() : 0);
            for (var offset = from; offset < hw; offset++)
            {
                var missing = logs.Where(l => !l.Entries.ContainsKey(offset)).Select(l => l.Replica).ToList();
                var values = logs.Where(l => l.Entries.ContainsKey(offset)).Select(l => l.Entries[offset]).Distinct(StringComparer.Ordinal).ToList();
                if (missing.Count > 0)
                    anomalies.Add(new Anomaly(partition, offset, $"missing on {string.Join(", ", missing)} below the high watermark {hw}"));
                else if (values.Count > 1)
                    anomalies.Add(new Anomaly(partition, offset, $"replicas disagree: {string.Join(", ", logs.Select(l => $"{l.Replica}={l.Entries[offset]}"))}"));
            }
        }
        return anomalies;
    }

    /// <summary>Per partition: a write that began after another was acknowledged must land at a higher offset.</summary>
    private static List<Anomaly> AcksOutOfOrder(List<WriteOp> acknowledged)
    {
        var anomalies = new List<Anomaly>();
        foreach (var partition in acknowledged.GroupBy(w => w.Partition))
        {
            var byCompletion = partition.OrderBy(w => w.CompletedMs).ToList();
            var prefixMax = new long[byCompletion.Count];
            for (var i = 0; i < byCompletion.Count; i++)
                prefixMax[i] = Math.Max(byCompletion[i].Offset, i > 0 ? prefixMax[i - 1] : long.MinValue);
            var completions = byCompletion.Select(w => w.CompletedMs).ToArray();
            foreach (var write in partition)
            {
                // The acks completed strictly before this write was invoked.
                var before = LowerBound(completions, write.InvokedMs) - 1;
                if (before >= 0 && prefixMax[before] >= write.Offset)
                    anomalies.Add(new Anomaly(partition.Key, write.Offset, $"{write.Value} invoked at {Ms(write.InvokedMs)} after offset {prefixMax[before]} was acknowledged"));
            }
        }
        return anomalies;
    }

    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid] < value)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    /// <summary>Each consumer's reads of a partition, in the order it received them, must rise.</summary>
    private static List<Anomaly> NonMonotonicReads(IEnumerable<ReadOp> reads)
    {
        var anomalies = new List<Anomaly>();
        var last = new Dictionary<(string, int), ReadOp>();
        foreach (var read in reads)
        {
            if (last.TryGetValue((read.Consumer, read.Partition), out var previous) && read.Offset <= previous.Offset)
                anomalies.Add(new Anomaly(read.Partition, read.Offset, $"{read.Consumer} read offset {read.Offset} after {previous.Offset}"));
            last[(read.Consumer, read.Partition)] = read;
        }
        return anomalies;
    }

    private static string Ms(double ms) => string.Create(CultureInfo.InvariantCulture, $"+{ms / 1000:F3}s");

    /// <summary>Every (partition, offset, value) seen, with where it was first seen.</summary>
    private sealed class Observations
    {
        private readonly Dictionary<(int Partition, long Offset), Dictionary<string, string>> _byOffset = [];
        private readonly Dictionary<string, SortedSet<(int Partition, long Offset)>> _byValue = new(StringComparer.Ordinal);

        public HashSet<string> SeenValues() => _byValue.Keys.ToHashSet(StringComparer.Ordinal);

        public void Add(int partition, long offset, string value, string source)
        {
            if (!_byOffset.TryGetValue((partition, offset), out var values))
                _byOffset[(partition, offset)] = values = new Dictionary<string, string>(StringComparer.Ordinal);
            values.TryAdd(value, source);
            if (!_byValue.TryGetValue(value, out var positions))
                _byValue[value] = positions = [];
            positions.Add((partition, offset));
        }

        public List<Anomaly> Duplicates() => [.. _byValue.Where(v => v.Value.Count > 1).OrderBy(v => v.Value.Min)
            .Select(v => new Anomaly(v.Value.Min.Partition, v.Value.Min.Offset, $"{v.Key} at {string.Join(", ", v.Value.Select(p => $"{p.Partition}/{p.Offset}"))}"))];

        public List<Anomaly> Inconsistent() => [.. _byOffset.Where(o => o.Value.Count > 1).OrderBy(o => o.Key)
            .Select(o => new Anomaly(o.Key.Partition, o.Key.Offset, $"values {string.Join(", ", o.Value.Select(v => $"{v.Key} ({v.Value})"))}"))];

        public List<Anomaly> Phantoms(Dictionary<string, WriteOp> written) => [.. _byValue.Where(v => !written.ContainsKey(v.Key)).OrderBy(v => v.Value.Min)
            .Select(v => new Anomaly(v.Value.Min.Partition, v.Value.Min.Offset, $"{v.Key} was never sent"))];
    }
}
