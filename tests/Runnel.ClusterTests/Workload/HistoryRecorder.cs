using System.Collections.Concurrent;
using Runnel.ClusterTests.Rig;

namespace Runnel.ClusterTests.Workload;

/// <summary>
/// Collects writes and reads from many client threads, and wakes waiters when the count of acknowledged writes reaches
/// theirs: scenarios wait for progress ("500 more acknowledged") rather than for time.
/// </summary>
public sealed class HistoryRecorder(FaultLog clock)
{
    private readonly ConcurrentQueue<WriteOp> _writes = new();
    private readonly ConcurrentQueue<ReadOp> _reads = new();
    private readonly List<(long Count, TaskCompletionSource Done)> _waiters = [];
    private long _acknowledged;
    private long _failed;

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Writes that ended Failed or Indeterminate.</summary>
    public long Unacknowledged => Interlocked.Read(ref _failed);

    public IReadOnlyCollection<WriteOp> Writes => _writes;

    public IReadOnlyCollection<ReadOp> Reads => _reads;

    public double NowMs => clock.Elapsed.TotalMilliseconds;

    public void Write(WriteOp op)
    {
        _writes.Enqueue(op);
        if (op.Status != WriteStatus.Ok)
        {
            Interlocked.Increment(ref _failed);
            return;
        }
        var count = Interlocked.Increment(ref _acknowledged);
        lock (_waiters)
        {
            foreach (var waiter in _waiters.Where(w => w.Count <= count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    public void Read(ReadOp op) => _reads.Enqueue(op);

    /// <summary>Completes once <paramref name="count"/> writes were acknowledged; throws after <paramref name="timeout"/>.</summary>
    public async Task WaitForAcknowledgedAsync(long count, TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (Acknowledged >= count)
                return;
            _waiters.Add((count, done));
        }
        try
        {
            await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{count} acknowledged writes not reached within {timeout.TotalSeconds} s (at {Acknowledged}, {Unacknowledged} unacknowledged)");
        }
    }
}
