using System.Diagnostics;

namespace Runnel.Storage;

/// <summary>
/// Group commit: one thread fsyncs on behalf of every appender of every partition. An appender registers its log
/// and gets the task of the next round; the thread swaps the round, fsyncs each registered log once, and completes
/// the round. Registration and reading the round happen under one lock, and the thread takes the logs and swaps
/// the round under the same lock, so an appender's log is always flushed by the round it waits on or an earlier one
/// (its bytes were written before it registered). The disk sets the pace: while one fsync runs, the next round fills.
/// When the last round served several waiters, the thread lingers briefly (at most half an fsync's time) for as many
/// to come back before starting the next one: woken appenders need a few microseconds to append again, and without
/// the pause each round would catch only the first of them (MySQL's binlog_group_commit_sync_delay, adaptively).
/// </summary>
public sealed class GroupCommitter : IDisposable
{
    private const int MaxParallelFlushes = 16;
    private readonly object _gate = new();
    private readonly Thread _thread;
    private readonly StorageLog _log;
    private HashSet<PartitionLog> _dirty = [];
    private TaskCompletionSource _round = NewRound();
    private bool _stopping;
    private long _rounds;
    private long _fsyncs;
    private int _waiters;
    private int _lastRoundWaiters;
    private double _fsyncTicks;

    public GroupCommitter(StorageLog? log = null)
    {
        _log = log ?? ((_, _) => { });
        _thread = new Thread(Run) { IsBackground = true, Name = "runnel-group-commit" };
        _thread.Start();
    }

    /// <summary>Rounds completed so far (one or more fsyncs each).</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>Partition flushes made so far.</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    /// <summary>Completes when <paramref name="log"/> is durable up to <paramref name="offset"/> (exclusive).</summary>
    public async Task WaitAsync(PartitionLog log, long offset)
    {
        while (log.RecoveryPoint < offset)
        {
            Task round;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_stopping, this);
                _dirty.Add(log);
                _waiters++;
                round = _round.Task;
                Monitor.Pulse(_gate);
            }
            await round.ConfigureAwait(false);
            // A failed fsync leaves the recovery point behind and the log offline: Flush throws the cause here.
            if (log.RecoveryPoint < offset)
                log.Flush();
        }
    }

    private void Run()
    {
        while (true)
        {
            HashSet<PartitionLog> logs;
            TaskCompletionSource round;
            lock (_gate)
            {
                while (_dirty.Count == 0 && !_stopping)
                    Monitor.Wait(_gate);
                if (_dirty.Count == 0)
                    return;
            }
            Linger();
            lock (_gate)
            {
                logs = _dirty;
                _dirty = [];
                round = _round;
                _round = NewRound();
                _lastRoundWaiters = _waiters;
                _waiters = 0;
            }
            var started = Stopwatch.GetTimestamp();
            // The partitions' fsyncs go out together: the file system merges concurrent fsyncs into one journal
            // commit, where one after another each waits for its own (measured here: ~10x the throughput).
            if (logs.Count == 1)
                FlushOne(logs.First());
            else
                Parallel.ForEach(logs, new ParallelOptions { MaxDegreeOfParallelism = MaxParallelFlushes }, FlushOne);
            // An average of recent fsync times bounds the linger, so a slow disk gets longer rounds, a fast one short waits.
            _fsyncTicks = (_fsyncTicks * 7 + Stopwatch.GetElapsedTime(started).Ticks) / 8;
            Interlocked.Increment(ref _rounds);
            round.SetResult();
        }
    }

    /// <summary>Waits, yielding the CPU, until the previous round's waiters are back or half an fsync's time passed.</summary>
    private void Linger()
    {
        if (_lastRoundWaiters <= 1)
            return;
        var budget = TimeSpan.FromTicks((long)Math.Min(_fsyncTicks / 2, TimeSpan.TicksPerMillisecond));
        var start = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref _waiters) < _lastRoundWaiters && !_stopping
            && Stopwatch.GetElapsedTime(start) < budget)
            Thread.Yield();
    }

    private void FlushOne(PartitionLog log)
    {
        try
        {
            log.Flush();
            Interlocked.Increment(ref _fsyncs);
        }
        catch (Exception e)
        {
            // The log is offline now; its waiters see that when they re-check. Other partitions carry on.
            _log(StorageLogLevel.Error, $"Group commit of {log.TopicPartition} failed: {e.Message}");
        }
    }

    private static TaskCompletionSource NewRound() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Finishes the rounds already asked for, then stops the thread.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }
        _thread.Join();
    }
}
