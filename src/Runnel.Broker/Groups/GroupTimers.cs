namespace Runnel.Broker.Groups;

/// <summary>
/// A group's delayed operations, keyed as Kafka keys them (the join phase, the sync phase, one heartbeat deadline
/// per member). Scheduling a key again replaces its deadline. Schedule and Cancel run under the group's lock, and
/// an expiry runs under it too after checking that its entry is still the current one and its deadline has
/// passed, so a heartbeat that moved the deadline while the timer was firing is never lost.
/// </summary>
internal sealed class GroupTimers(TimeProvider time, object gate)
{
    private readonly object _gate = gate;
    private readonly TimeProvider _time = time;
    public const string Join = "join";
    public const string Sync = "sync";

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public static string Heartbeat(string memberId) => "heartbeat/" + memberId;

    public bool IsScheduled(string key) => _entries.ContainsKey(key);

    public void Schedule(string key, long delayMs, Action onExpiry)
    {
        delayMs = Math.Max(0, delayMs);
        var deadline = _time.GetTimestamp() + (long)(delayMs * (_time.TimestampFrequency / 1000.0));
        if (_entries.TryGetValue(key, out var entry))
        {
            entry.Deadline = deadline;
            entry.OnExpiry = onExpiry;
            entry.Timer!.Change(TimeSpan.FromMilliseconds(delayMs), Timeout.InfiniteTimeSpan);
            return;
        }
        entry = new Entry(this, key, deadline, onExpiry);
        _entries[key] = entry;
        entry.Timer = _time.CreateTimer(static state => ((Entry)state!).Fire(), entry, TimeSpan.FromMilliseconds(delayMs), Timeout.InfiniteTimeSpan);
    }

    public void Cancel(string key)
    {
        if (_entries.Remove(key, out var entry))
            entry.Timer?.Dispose();
    }

    public void CancelAll()
    {
        foreach (var entry in _entries.Values)
            entry.Timer?.Dispose();
        _entries.Clear();
    }

    private sealed class Entry(GroupTimers owner, string key, long deadline, Action onExpiry)
    {
        public long Deadline { get; set; } = deadline;

        public Action OnExpiry { get; set; } = onExpiry;

        public ITimer? Timer { get; set; }

        public void Fire()
        {
            lock (owner._gate)
            {
                if (!owner._entries.TryGetValue(key, out var current) || current != this)
                    return;
                var remaining = Deadline - owner._time.GetTimestamp();
                if (remaining > 0)
                {
                    // Rescheduled while firing, or a clock that fired early: wait for the deadline in force.
                    Timer!.Change(TimeSpan.FromSeconds(remaining / (double)owner._time.TimestampFrequency), Timeout.InfiniteTimeSpan);
                    return;
                }
                owner._entries.Remove(key);
                Timer!.Dispose();
                OnExpiry();
            }
        }
    }
}
