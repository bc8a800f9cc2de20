using System.Diagnostics;
using System.Globalization;

namespace Runnel.ClusterTests.Rig;

/// <summary>
/// What was done to the cluster and when, relative to the scenario's start: faults (counted for the checker's "across
/// M faults"), the repairs that end them (heals, restarts, SIGCONT) and milestones, which are listed but not counted.
/// </summary>
public sealed class FaultLog
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(TimeSpan At, Kind Kind, string What)> _entries = [];

    private enum Kind
    {
        Fault,
        Repair,
        Note,
    }

    public int FaultCount
    {
        get
        {
            lock (_entries)
                return _entries.Count(e => e.Kind == Kind.Fault);
        }
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>When the last fault or repair was recorded (zero before any): acks after it show progress after the last heal.</summary>
    public TimeSpan LastFaultOrRepairAt
    {
        get
        {
            lock (_entries)
                return _entries.Where(e => e.Kind != Kind.Note).Select(e => e.At).DefaultIfEmpty(TimeSpan.Zero).Max();
        }
    }

    /// <summary>Records a fault: something that can break the cluster's promises.</summary>
    public void Fault(string what) => Add(Kind.Fault, what);

    /// <summary>Records a repair: the end of an earlier fault.</summary>
    public void Repair(string what) => Add(Kind.Repair, what);

    /// <summary>Records a milestone (a node started, a leader elected), so the list reads as a timeline.</summary>
    public void Note(string what) => Add(Kind.Note, what);

    private void Add(Kind kind, string what)
    {
        lock (_entries)
            _entries.Add((_clock.Elapsed, kind, what));
    }

    /// <summary>One line per entry: "  +12.3s fault  kill -9 node 1".</summary>
    public IReadOnlyList<string> Lines()
    {
        lock (_entries)
        {
            return [.. _entries.Select(e => string.Create(CultureInfo.InvariantCulture,
                $"  +{e.At.TotalSeconds,6:F1}s {e.Kind.ToString().ToLowerInvariant(),-6} {e.What}"))];
        }
    }
}
