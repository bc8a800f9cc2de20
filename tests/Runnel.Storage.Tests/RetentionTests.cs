namespace Runnel.Storage.Tests;

public sealed class RetentionTests
{
    [Fact]
    public void Retention_ms_deletes_old_segments_but_never_active_data_within_retention()
    {
        using var h = new LogHarness(LogHarness.SmallSegments with { RetentionMs = 10_000 });
        for (var i = 0; i < 50; i++)
            h.Append(valueBytes: 60);
        var segments = h.Log.SegmentCount;
        Assert.True(segments > 2);
        h.Clock.Advance(5_000);
        h.Append(valueBytes: 60);
        Assert.Equal(0, h.Log.DeleteOldSegments());
        h.Clock.Advance(6_000);
        // Everything but the last batch (appended 6 s ago, in the active segment) is past retention.
        Assert.Equal(segments - 1, h.Log.DeleteOldSegments());
        Assert.Equal(1, h.Log.SegmentCount);
        Assert.Equal(150, h.ReadAll()[^1].Base);
        h.Clock.Advance(10_000);
        Assert.Equal(1, h.Log.DeleteOldSegments());
        Assert.Equal(153, h.Log.LogStartOffset);
        Assert.Equal(153, h.Log.LogEndOffset);
        Assert.Equal(153, h.Append().FirstOffset);
    }

    [Fact]
    public void Retention_runs_30_s_after_start_then_every_check_interval()
    {
        var schedule = new RetentionSchedule(startMs: 1_000, TimeSpan.FromMinutes(5));
        Assert.False(schedule.Due(1_000));
        Assert.False(schedule.Due(30_999));
        Assert.True(schedule.Due(31_000));
        Assert.False(schedule.Due(31_000));
        Assert.False(schedule.Due(330_999));
        Assert.True(schedule.Due(331_000));
    }

    [Fact]
    public async Task The_maintenance_loop_deletes_expired_segments_once_retention_is_due()
    {
        using var h = new LogHarness(LogHarness.SmallSegments with { RetentionMs = 1_000 });
        for (var i = 0; i < 50; i++)
            h.Append(valueBytes: 60);
        Assert.True(h.Log.SegmentCount > 2);
        using var stop = new CancellationTokenSource();
        var loop = h.Manager.RunMaintenanceLoopAsync(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), stop.Token);
        h.Clock.Advance((long)RetentionSchedule.InitialDelay.TotalMilliseconds);
        // The pass runs on the loop's own continuation: a bounded wait for its effect.
        Assert.True(SpinWait.SpinUntil(() => h.Log.SegmentCount == 1, TimeSpan.FromSeconds(10)), $"{h.Log.SegmentCount} segments left");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public void Retention_bytes_keeps_the_newest_segments_within_the_limit()
    {
        using var h = new LogHarness(LogHarness.SmallSegments with { RetentionBytes = 9000 });
        for (var i = 0; i < 100; i++)
            h.Append(valueBytes: 60);
        h.Manager.RunMaintenance();
        Assert.InRange(h.Log.Size, 9000 - 4096, 9000 + 4096);
        Assert.Equal(h.Log.Segments[0].BaseOffset, h.Log.LogStartOffset);
        RecoveryTests.AssertConsistent(h);
    }

    [Fact]
    public void DeleteRecords_advances_the_start_offset_durably()
    {
        using var h = new LogHarness();
        for (var i = 0; i < 40; i++)
            h.Append(valueBytes: 60);
        var segments = h.Log.SegmentCount;
        Assert.Equal(50, h.Manager.DeleteRecords(LogHarness.Tp, 50));
        Assert.True(h.Log.SegmentCount < segments);
        Assert.Equal(StorageErrorKind.OffsetOutOfRange, Assert.Throws<StorageException>(() => h.Log.Read(49, 100)).Kind);
        using (var read = h.Log.Read(50, 100))
            Assert.InRange(50L, read.FirstBatchOffset, read.FirstBatchOffset + 2);
        h.CrashAndRestart();
        Assert.Equal(50, h.Log.LogStartOffset);
        Assert.Equal(StorageErrorKind.OffsetOutOfRange, Assert.Throws<StorageException>(() => h.Manager.DeleteRecords(LogHarness.Tp, 1000)).Kind);
    }

    [Fact]
    public void A_read_in_flight_keeps_a_deleted_segment_readable()
    {
        using var h = new LogHarness();
        for (var i = 0; i < 40; i++)
            h.Append(valueBytes: 60);
        using var read = h.Log.Read(0, 1000);
        h.Manager.DeleteRecords(LogHarness.Tp, 100);
        Assert.NotEqual(0, h.Log.Segments[0].BaseOffset);
        Assert.Equal(0, TestBatch.Split(AppendReadTests.ReadBytes(read))[0].Base);
    }

    [Fact]
    public void Page_cache_mode_flushes_by_flush_messages_and_flush_ms()
    {
        using var h = new LogHarness(LogHarness.SmallSegments with { FlushMessages = 6, FlushMs = 1000 });
        h.Append();
        h.Manager.RunMaintenance();
        Assert.Equal(0, h.Log.RecoveryPoint);
        h.Append();
        h.Manager.RunMaintenance();
        Assert.Equal(6, h.Log.RecoveryPoint);
        h.Append();
        h.Clock.Advance(1000);
        h.Manager.RunMaintenance();
        Assert.Equal(9, h.Log.RecoveryPoint);
    }
}
