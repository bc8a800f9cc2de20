namespace Runnel.Storage;

public sealed partial class LogManager
{
    /// <summary>
    /// One pass of background work: retention (segment deletion) when <paramref name="retention"/>, flushes due by
    /// flush.ms / flush.messages, and the recovery-point checkpoint. Failures are logged per partition and never stop
    /// the pass.
    /// </summary>
    public void RunMaintenance(bool retention = true)
    {
        var now = _env.NowMs;
        foreach (var (log, _) in _logs.Values)
        {
            try
            {
                if (retention)
                    log.DeleteOldSegments();
                log.FlushIfDue(now);
            }
            catch (StorageException e)
            {
                _env.Log(StorageLogLevel.Warning, $"Maintenance of {log.TopicPartition}: {e.Message}");
            }
        }
        CheckpointRecoveryPoints();
    }

    /// <summary>
    /// Runs <see cref="RunMaintenance"/> every <paramref name="interval"/> until cancelled, with retention on the passes
    /// <see cref="RetentionSchedule"/> allows (log.retention.check.interval.ms).
    /// </summary>
    public async Task RunMaintenanceLoopAsync(TimeSpan interval, TimeSpan retentionInterval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, _env.Time);
        var retention = new RetentionSchedule(_env.NowMs, retentionInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            RunMaintenance(retention.Due(_env.NowMs));
    }

    /// <summary>
    /// One compaction pass over every compacted log that is dirty enough. Meant for a background task of its own
    /// (<see cref="RunCompactionLoopAsync"/>): it reads and writes whole segments but blocks appends only for the swap.
    /// </summary>
    public int Compact(bool force = false)
    {
        var cleaned = 0;
        foreach (var (log, _) in _logs.Values)
        {
            try
            {
                if (Cleaner.Clean(log, force) is { Groups: > 0 })
                    cleaned++;
            }
            catch (Exception e) when (e is StorageException or IOException)
            {
                _env.Log(StorageLogLevel.Warning, $"Compaction of {log.TopicPartition}: {e.Message}");
            }
        }
        return cleaned;
    }

    /// <summary>
    /// Runs <see cref="Compact"/> every <paramref name="interval"/> until cancelled (log.cleaner.backoff.ms, which can
    /// change at runtime: it is read again after each pass and sets the wait before the next).
    /// </summary>
    public async Task RunCompactionLoopAsync(Func<TimeSpan> interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval(), _env.Time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            Compact();
            timer.Period = interval();
        }
    }

    /// <summary>Writes every log dir's checkpoints (the recovery point advances only as flushes complete).</summary>
    public void CheckpointRecoveryPoints()
    {
        foreach (var dir in _dirs)
        {
            try
            {
                WriteCheckpoints(dir);
            }
            catch (IOException e)
            {
                _env.Log(StorageLogLevel.Warning, $"Checkpoint of {dir.Path} failed: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Clean shutdown: stops the group committer, closes (flushes) every log, writes the checkpoints and then the
    /// clean-shutdown marker of each log dir whose logs all closed cleanly, so the next start skips validation.
    /// </summary>
    public void Dispose()
    {
        lock (_createLock)
        {
            if (_closed)
                return;
            _closed = true;
        }
        _env.Committer?.Dispose();
        var fs = _env.FileSystem;
        foreach (var dir in _dirs)
        {
            var clean = true;
            foreach (var (log, _) in _logs.Values.Where(v => v.Dir == dir))
                clean &= log.Close();
            try
            {
                WriteCheckpoints(dir);
                if (!clean)
                    continue;
                using (var marker = fs.Open(Path.Combine(dir.Path, CleanShutdownFile), create: true))
                    marker.Flush();
                fs.SyncDirectory(dir.Path);
            }
            catch (IOException e)
            {
                _env.Log(StorageLogLevel.Error, $"Clean shutdown of {dir.Path} failed; the next start will recover: {e.Message}");
            }
        }
    }
}
