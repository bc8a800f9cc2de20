namespace Runnel.Broker.Tests;

/// <summary>
/// A clock the test moves by hand. Timers fire, in deadline order, only inside <see cref="Advance"/>, on the
/// test's thread, so a test sees every expiry that is due before it looks.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private long _nowTicks = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(_nowTicks, TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _nowTicks;

    public long NowMs => GetUtcNow().ToUnixTimeMilliseconds();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        lock (_timers)
            _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time forward, firing each timer that falls due on the way at its own deadline.</summary>
    public void Advance(long milliseconds)
    {
        var target = _nowTicks + (milliseconds * TimeSpan.TicksPerMillisecond);
        while (true)
        {
            ManualTimer? next;
            lock (_timers)
                next = _timers.Where(t => t.DueTicks is { } due && due <= target).MinBy(t => t.DueTicks);
            if (next is null)
                break;
            _nowTicks = Math.Max(_nowTicks, next.DueTicks!.Value);
            next.Fire();
        }
        _nowTicks = target;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long? DueTicks { get; private set; }

        private long _periodTicks;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            DueTicks = dueTime == Timeout.InfiniteTimeSpan ? null : owner._nowTicks + Math.Max(0, dueTime.Ticks);
            _periodTicks = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
            return true;
        }

        public void Fire()
        {
            DueTicks = _periodTicks > 0 ? DueTicks + _periodTicks : null;
            callback(state);
        }

        public void Dispose()
        {
            DueTicks = null;
            lock (owner._timers)
                owner._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
