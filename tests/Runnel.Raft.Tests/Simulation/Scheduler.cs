namespace Runnel.Raft.Tests.Simulation;

/// <summary>
/// The one scheduler of a simulation run: a queue of actions ordered by virtual time (ties by insertion), a clock
/// that jumps to the next action, and the run's only source of randomness. Same seed, same run.
/// </summary>
internal sealed class Scheduler(int seed)
{
    private readonly PriorityQueue<Action, (long Time, long Sequence)> _queue = new();
    private long _sequence;

    public Random Random { get; } = new(seed);

    public long Now { get; private set; }

    public long EventCount { get; private set; }

    /// <summary>Called after every action; throws to fail the run.</summary>
    public Action? AfterEvent { get; set; }

    public void At(long time, Action action) => _queue.Enqueue(action, (Math.Max(time, Now), _sequence++));

    public void After(long delay, Action action) => At(Now + delay, action);

    /// <summary>Runs <paramref name="action"/> every <paramref name="period"/> ± <paramref name="jitter"/> ms while it returns true.</summary>
    public void Every(long period, int jitter, Func<bool> action)
    {
        void Tick()
        {
            if (action())
                After(period + Random.Next(-jitter, jitter + 1), Tick);
        }
        After(Random.Next((int)period), Tick);
    }

    /// <summary>Runs events until <paramref name="done"/> holds (checked after each event); false at the time limit.</summary>
    public bool RunUntil(Func<bool> done, long timeLimitMs)
    {
        var deadline = Now + timeLimitMs;
        while (!done())
        {
            if (!_queue.TryDequeue(out var action, out var key) || key.Time > deadline)
            {
                if (action is not null)
                    _queue.Enqueue(action, key);
                Now = deadline;
                return false;
            }
            Now = key.Time;
            EventCount++;
            action();
            AfterEvent?.Invoke();
        }
        return true;
    }

    /// <summary>Runs for a stretch of virtual time regardless of state.</summary>
    public void RunFor(long ms) => RunUntil(() => false, ms);
}
