using System.Globalization;
using Runnel.ClusterTests.Checking;
using Runnel.ClusterTests.Nodes;
using Runnel.ClusterTests.Rig;
using Xunit.Abstractions;

namespace Runnel.ClusterTests.Scenarios;

/// <summary>
/// One scenario's bookkeeping: a work directory for node data, node logs, the client log and the history; the
/// fault log; the soak setting. On success the directory is deleted; on failure it is kept, its path and the tail
/// of every node's log are printed, and the history is saved there for a second look.
/// </summary>
public sealed class ScenarioRun : IAsyncDisposable
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "runnel-cluster-tests");
    private readonly ITestOutputHelper _output;
    private readonly List<NodeProcess> _nodes = [];
    private bool _passed;

    public ScenarioRun(ITestOutputHelper output, string name)
    {
        _output = output;
        Name = name;
        WorkDirectory = Path.Combine(Root, $"{name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(WorkDirectory);
        Print($"{name}: work directory {WorkDirectory}" + (SoakTime > TimeSpan.Zero ? string.Create(CultureInfo.InvariantCulture, $", soaking {SoakTime.TotalSeconds:0} s") : ""));
    }

    public string Name { get; }

    public string WorkDirectory { get; }

    public FaultLog Faults { get; } = new();

    public string ClientLogFile => Path.Combine(WorkDirectory, "clients.log");

    /// <summary>RUNNEL_SOAK_SECONDS: repeat the scenario's fault cycle until this much time has passed (0: one cycle, the default).</summary>
    public static TimeSpan SoakTime { get; } = double.TryParse(Environment.GetEnvironmentVariable("RUNNEL_SOAK_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0
        ? TimeSpan.FromSeconds(s) : TimeSpan.Zero;

    public static bool Soaking => SoakTime > TimeSpan.Zero;

    /// <summary>Whether another fault cycle should run: always after none, then while the soak time lasts.</summary>
    public bool AnotherCycle(int cyclesDone) => cyclesDone == 0 || Faults.Elapsed < SoakTime;

    /// <summary>Registers a node so its log is printed if the scenario fails.</summary>
    public NodeProcess Track(NodeProcess node)
    {
        _nodes.Add(node);
        return node;
    }

    public void Print(string line) => _output.WriteLine(line);

    /// <summary>Prints the fault list and the checker's lines.</summary>
    public void Report(CheckReport report, params string[] notes)
    {
        Print(string.Create(CultureInfo.InvariantCulture, $"{Name}: {Faults.FaultCount} faults in {Faults.Elapsed.TotalSeconds:F1} s:"));
        foreach (var line in Faults.Lines())
            Print(line);
        foreach (var note in notes)
            Print(note);
        foreach (var line in report.Lines())
            Print(line);
        File.WriteAllLines(Path.Combine(WorkDirectory, "report.txt"), [.. Faults.Lines(), .. notes, .. report.Lines()]);
    }

    /// <summary>Saves the history as history.jsonl in the work directory (kept only when the scenario fails).</summary>
    public Task SaveAsync(Workload.History history) => Workload.HistoryFile.SaveAsync(Path.Combine(WorkDirectory, "history.jsonl"), history);

    /// <summary>Marks the scenario passed: its work directory is deleted on dispose.</summary>
    public void Passed() => _passed = true;

    /// <summary>RUNNEL_KEEP_ARTIFACTS=1 keeps the work directory of a passing scenario too.</summary>
    private static bool KeepArtifacts => Environment.GetEnvironmentVariable("RUNNEL_KEEP_ARTIFACTS") == "1";

    public ValueTask DisposeAsync()
    {
        if (_passed && KeepArtifacts)
        {
            Print($"kept {WorkDirectory} (RUNNEL_KEEP_ARTIFACTS=1)");
            return ValueTask.CompletedTask;
        }
        if (_passed)
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (IOException e)
            {
                Print($"could not delete {WorkDirectory}: {e.Message}");
            }
            return ValueTask.CompletedTask;
        }
        Print($"{Name} FAILED; kept {WorkDirectory} (node logs, clients.log, history.jsonl). Faults so far:");
        foreach (var line in Faults.Lines())
            Print(line);
        foreach (var node in _nodes)
        {
            Print($"--- last lines of {node.LogFile} ({node}) ---");
            try
            {
                foreach (var line in node.Tail(60))
                    Print(line);
            }
            catch (IOException e)
            {
                Print($"(unreadable: {e.Message})");
            }
        }
        return ValueTask.CompletedTask;
    }
}
