using Runnel.ClusterTests.Workload;

namespace Runnel.ClusterTests.Checking;

/// <summary>Synthetic histories, each with one planted anomaly the checker must find, and a clean one it must pass.</summary>
public sealed class HistoryCheckerTests
{
    private const int Count = 10;

    [Fact]
    public void A_clean_history_passes_and_prints_the_headline()
    {
        var report = HistoryChecker.Check(Clean());

        Assert.True(report.Clean, string.Join('\n', report.Lines()));
        Assert.Equal("acknowledged writes lost: 0 of 10 across 2 faults", report.Lines()[0]);
        Assert.Equal(2, report.Replicas);
    }

    [Fact]
    public void An_acknowledged_write_missing_from_the_final_read_is_lost()
    {
        // The log was cut below the last acknowledged record (an unsafe truncation): every copy ends at offset 9.
        var history = Clean() with
        {
            FinalRead = Log(Count - 1),
            HighWatermarks = new Dictionary<int, long> { [0] = Count - 1 },
            Replicas = [new("r1", Log(Count - 1)), new("r2", Log(Count - 1))],
        };
        var report = HistoryChecker.Check(history);

        Assert.False(report.Clean);
        var lost = Assert.Single(report.Lost);
        Assert.Equal(Count - 1, lost.Offset);
        Assert.Equal("acknowledged writes lost: 1 of 10 across 2 faults", report.Lines()[0]);
        Assert.Empty(report.ReplicaDivergence);
    }

    [Fact]
    public void A_value_at_two_offsets_is_a_duplicate_and_allowed_only_without_idempotence()
    {
        // A retry without idempotence wrote v3 a second time, at offset 10.
        var log = Log(Count)[0].Append(new LogEntry(Count, "v3")).ToList();
        var history = Clean() with
        {
            FinalRead = new Dictionary<int, IReadOnlyList<LogEntry>> { [0] = log },
            HighWatermarks = new Dictionary<int, long> { [0] = Count + 1 },
            Replicas = [new("r1", new Dictionary<int, IReadOnlyList<LogEntry>> { [0] = log })],
        };

        var strict = HistoryChecker.Check(history);
        var lenient = HistoryChecker.Check(history, duplicatesAllowed: true);

        Assert.Contains("v3 at 0/3, 0/10", Assert.Single(strict.Duplicates).Detail, StringComparison.Ordinal);
        Assert.False(strict.Clean);
        Assert.True(lenient.Clean, string.Join('\n', lenient.Lines()));
        Assert.Single(lenient.Duplicates);
    }

    [Fact]
    public void Replicas_that_differ_or_end_early_below_the_high_watermark_diverge()
    {
        var diverged = Log(Count)[0].Select(e => e.Offset == 4 ? e with { Value = "v4-other" } : e).Take(8).ToList();
        var history = Clean() with
        {
            Replicas = [new("r1", Log(Count)), new("r2", new Dictionary<int, IReadOnlyList<LogEntry>> { [0] = diverged })],
        };
        var report = HistoryChecker.Check(history);

        Assert.False(report.Clean);
        Assert.Equal([4L, 8L, 9L], report.ReplicaDivergence.Select(a => a.Offset));
        Assert.Contains("r2=v4-other", report.ReplicaDivergence[0].Detail, StringComparison.Ordinal);
        Assert.Contains("missing on r2", report.ReplicaDivergence[1].Detail, StringComparison.Ordinal);
        // r2's other value at offset 4 is below the high watermark, so it is also an inconsistent offset.
        Assert.Equal(4, Assert.Single(report.Inconsistent).Offset);
        // A phantom too: nobody wrote "v4-other".
        Assert.Single(report.Phantoms);
    }

    [Fact]
    public void A_record_read_and_then_gone_is_a_vanished_read_not_a_loss()
    {
        // v10's send timed out (indeterminate); a consumer read it at offset 10, then the log lost it.
        var history = Clean();
        history = history with
        {
            Writes = [.. history.Writes, new WriteOp("v10", 0, WriteStatus.Indeterminate, -1, "Local_MsgTimedOut", 200, 30_000)],
            Reads = [.. history.Reads, new ReadOp("c0", 0, Count, "v10", 250)],
        };
        var report = HistoryChecker.Check(history);

        Assert.False(report.Clean);
        Assert.Equal(Count, Assert.Single(report.VanishedReads).Offset);
        Assert.Empty(report.Lost);
        Assert.Equal(1, report.Indeterminate);
        Assert.Equal(1, report.IndeterminateFound);
    }

    [Fact]
    public void A_read_at_or_past_the_final_high_watermark_read_an_uncommitted_tail()
    {
        // A deposed leader served v10 at offset 10 from its tail, which the new leader never had: the final high
        // watermark stayed at 10 and the write was never acknowledged.
        var history = Clean();
        history = history with
        {
            Writes = [.. history.Writes, new WriteOp("v10", 0, WriteStatus.Indeterminate, -1, "Local_MsgTimedOut", 200, 30_000)],
            Reads = [.. history.Reads, new ReadOp("c1", 0, Count, "v10", 250)],
            // The deposed leader's copy still has it above the high watermark: that alone is allowed.
            Replicas = [new("r1", Log(Count)), new("r2", new Dictionary<int, IReadOnlyList<LogEntry>> { [0] = [.. Log(Count)[0], new LogEntry(Count, "v10")] })],
        };
        var report = HistoryChecker.Check(history);

        Assert.False(report.Clean);
        var past = Assert.Single(report.ReadsPastHighWatermark);
        Assert.Equal(Count, past.Offset);
        Assert.Contains("at or past the final high watermark 10", past.Detail, StringComparison.Ordinal);
        Assert.Empty(report.ReplicaDivergence);
        Assert.Empty(report.Inconsistent);
        Assert.Contains("reads past the high watermark: 1", report.Lines()[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_replica_tail_past_the_high_watermark_may_differ_but_not_what_was_read_below_it()
    {
        // r2 has an uncommitted, different tail at offsets 10-11 (a leader that took writes it could not replicate):
        // not an anomaly. Then a consumer that saw r2's value at offset 3 is one: offset 3 is committed as v3.
        var tail = new Dictionary<int, IReadOnlyList<LogEntry>> { [0] = [.. Log(Count)[0], new LogEntry(Count, "v10"), new LogEntry(Count + 1, "v11")] };
        var history = Clean();
        history = history with
        {
            Writes = [.. history.Writes, new WriteOp("v10", 0, WriteStatus.Failed, -1, "not enough replicas", 200, 300), new WriteOp("v11", 0, WriteStatus.Indeterminate, -1, "timed out", 200, 300)],
            Replicas = [new("r1", Log(Count)), new("r2", tail)],
        };
        Assert.True(HistoryChecker.Check(history).Clean, string.Join('\n', HistoryChecker.Check(history).Lines()));

        var misread = HistoryChecker.Check(history with { Reads = [.. history.Reads, new ReadOp("c1", 0, 3, "v11", 260)] });
        Assert.Contains("the committed log holds v3 there", Assert.Single(misread.ReadsPastHighWatermark).Detail, StringComparison.Ordinal);
        Assert.Single(misread.Inconsistent);
        Assert.False(misread.Clean);
    }

    [Fact]
    public void An_acknowledgement_without_an_offset_is_checked_for_loss_only()
    {
        // librdkafka reports a retried batch the broker already had as delivered at offset -1001.
        var history = Clean();
        var writes = history.Writes.Select(w => w.Value == "v4" ? w with { Offset = -1001 } : w).ToList();
        var report = HistoryChecker.Check(history with { Writes = writes });

        Assert.True(report.Clean, string.Join('\n', report.Lines()));
        Assert.Equal(1, report.AcknowledgedWithoutOffset);
        Assert.Empty(report.Duplicates);

        var lost = HistoryChecker.Check(history with
        {
            Writes = writes,
            FinalRead = new Dictionary<int, IReadOnlyList<LogEntry>> { [0] = [.. Log(Count)[0].Where(e => e.Value != "v4")] },
            Replicas = [],
        });
        Assert.Equal("v4", Assert.Single(lost.Lost).Detail.Split(' ')[0]);
    }

    [Fact]
    public void One_offset_with_two_values_over_time_is_inconsistent()
    {
        // A consumer saw v10 at offset 5 (a leader that later truncated and took other writes there).
        var history = Clean();
        history = history with
        {
            Writes = [.. history.Writes, new WriteOp("v10", 0, WriteStatus.Indeterminate, -1, "timed out", 200, 300)],
            Reads = [.. history.Reads, new ReadOp("c1", 0, 5, "v10", 250)],
        };
        var report = HistoryChecker.Check(history);

        Assert.Contains("v5 (ack)", Assert.Single(report.Inconsistent).Detail, StringComparison.Ordinal);
        Assert.Contains("v10 (c1)", report.Inconsistent[0].Detail, StringComparison.Ordinal);
        Assert.Single(report.VanishedReads);
        Assert.Contains("the committed log holds v5 there", Assert.Single(report.ReadsPastHighWatermark).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_write_acknowledged_below_an_earlier_acknowledged_offset_breaks_real_time_order()
    {
        // v9 began after v8's ack (offset 8) finished, yet was acknowledged at offset 7; v7's ack claims 9.
        var history = Clean();
        var writes = history.Writes.Select(w => w.Value switch
        {
            "v9" => w with { Offset = 7 },
            "v7" => w with { Offset = 9 },
            _ => w,
        }).ToList();
        var report = HistoryChecker.Check(history with { Writes = writes });

        Assert.Contains(report.AcksOutOfOrder, a => a.Detail.StartsWith("v9 ", StringComparison.Ordinal));
        Assert.False(report.Clean);
    }

    [Fact]
    public void An_assigned_consumer_going_back_is_non_monotonic()
    {
        var history = Clean();
        var report = HistoryChecker.Check(history with { Reads = [.. history.Reads, new ReadOp("c0", 0, 2, "v2", 500)] });

        Assert.Equal(2, Assert.Single(report.NonMonotonicReads).Offset);
    }

    [Fact]
    public void A_definitely_failed_write_that_shows_up_is_reported()
    {
        var history = Clean();
        var writes = history.Writes.Select(w => w.Value == "v6" ? w with { Status = WriteStatus.Failed, Offset = -1, Error = "not persisted" } : w).ToList();
        var report = HistoryChecker.Check(history with { Writes = writes });

        Assert.Contains("v6 failed", Assert.Single(report.FailedWritesFound).Detail, StringComparison.Ordinal);
        Assert.Equal(9, report.Acknowledged);
    }

    /// <summary>v0..v9 acknowledged at offsets 0..9 of partition 0, one at a time; read by c0; two equal replicas.</summary>
    private static History Clean()
    {
        var writes = Enumerable.Range(0, Count).Select(i => new WriteOp($"v{i}", 0, WriteStatus.Ok, i, null, i * 10, i * 10 + 5)).ToList();
        var reads = Enumerable.Range(0, Count).Select(i => new ReadOp("c0", 0, i, $"v{i}", i * 10 + 7)).ToList();
        return new History(writes, reads, Log(Count), new Dictionary<int, long> { [0] = Count }, [new("r1", Log(Count)), new("r2", Log(Count))], FaultCount: 2);
    }

    private static Dictionary<int, IReadOnlyList<LogEntry>> Log(int count)
        => new() { [0] = [.. Enumerable.Range(0, count).Select(i => new LogEntry(i, $"v{i}"))] };
}
