namespace Runnel.Storage.Tests;

public sealed class FaultTests
{
    [Fact]
    public void A_full_disk_fails_appends_with_a_storage_error_and_they_resume_once_space_is_freed()
    {
        using var h = new LogHarness();
        for (var i = 0; i < 10; i++)
            h.Append(valueBytes: 50);
        var before = h.ReadAll();
        h.Fs.CapacityBytes = h.Fs.UsedBytes + 100;
        var failures = 0;
        for (var i = 0; i < 20; i++)
        {
            try
            {
                h.Append(valueBytes: 50);
            }
            catch (StorageException e)
            {
                Assert.Equal(StorageErrorKind.DiskFull, e.Kind);
                failures++;
            }
        }
        Assert.True(failures > 0);
        // Readable, uncorrupted, and nothing half-appended.
        var during = h.ReadAll();
        Assert.Equal(before, during.Take(before.Count));
        RecoveryTests.AssertConsistent(h);
        h.Fs.CapacityBytes = null;
        var info = h.Append(valueBytes: 50);
        Assert.Equal(during[^1].Last + 1, info.FirstOffset);
        h.Log.Flush();
        h.CrashAndRestart();
        Assert.Equal(info.LastOffset + 1, h.Log.LogEndOffset);
        RecoveryTests.AssertConsistent(h);
    }

    [Fact]
    public void A_failed_write_appends_nothing_and_the_log_continues()
    {
        using var h = new LogHarness();
        h.Append();
        h.Fs.FailWrite = path => path.EndsWith(".log", StringComparison.Ordinal);
        Assert.Equal(StorageErrorKind.IoError, Assert.Throws<StorageException>(() => h.Append()).Kind);
        h.Fs.FailWrite = null;
        Assert.Equal(3, h.Append().FirstOffset);
        Assert.Equal(2, h.ReadAll().Count);
    }

    [Fact]
    public void A_failed_fsync_takes_the_log_offline_until_reopened()
    {
        using var h = new LogHarness();
        h.Append();
        h.Log.Flush();
        h.Append();
        h.Fs.FailFlush = _ => true;
        Assert.Equal(StorageErrorKind.IoError, Assert.Throws<StorageException>(() => h.Log.Flush()).Kind);
        h.Fs.FailFlush = null;
        // No retried fsync: after a failure the kernel may have dropped the dirty pages and would report success.
        Assert.Equal(StorageErrorKind.Offline, Assert.Throws<StorageException>(() => h.Append()).Kind);
        Assert.Equal(2, h.ReadAll().Count);
        h.CrashAndRestart();
        Assert.Equal(3, h.Log.LogEndOffset);
        Assert.Equal(3, h.Append().FirstOffset);
    }

    [Fact]
    public async Task Group_commit_reports_a_failed_fsync_to_its_waiters()
    {
        using var h = new LogHarness(durability: DurabilityMode.GroupCommit);
        var info = h.Append();
        h.Fs.FailFlush = _ => true;
        var error = await Assert.ThrowsAsync<StorageException>(() => h.Log.WaitForDurableAsync(info.LastOffset + 1));
        Assert.Equal(StorageErrorKind.Offline, error.Kind);
        h.Fs.FailFlush = null;
    }
}
