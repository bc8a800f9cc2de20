using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Runnel.ClusterTests.Rig;

namespace Runnel.ClusterTests.Nodes;

/// <summary>
/// One <c>runnel server</c> inside a rig host's namespace (<c>ip netns exec</c>, which execs, so the process id is the
/// server's own and signals reach it directly). Its data directory and log file live in a work directory that the
/// caller owns (a scenario keeps it when the test fails). The log file has every line the server printed, across
/// restarts, stamped with the fault log's clock so it lines up with the faults.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    private const string ReadyLine = "started; clients bootstrap from";

    private readonly FaultLog _faults;
    private readonly StreamWriter _log;
    private readonly object _logLock = new();
    private Process? _process;
    private TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _starts;
    private bool _paused;
    private bool _closed;

    public NodeProcess(RigHost host, NodeSettings settings, string workDirectory, FaultLog faults)
    {
        Host = host;
        Settings = settings;
        _faults = faults;
        DataDirectory = Path.Combine(workDirectory, $"node-{Id}-data");
        LogFile = Path.Combine(workDirectory, $"node-{Id}.log");
        Directory.CreateDirectory(DataDirectory);
        _log = new StreamWriter(new FileStream(LogFile, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public RigHost Host { get; }

    public NodeSettings Settings { get; }

    public int NodeId => Settings.NodeId;

    public string DataDirectory { get; }

    public string LogFile { get; }

    /// <summary>The probed endpoint: the client listener of a broker, the controller listener of a controller.</summary>
    public string Endpoint => $"{Host.Address}:{Settings.ProbePort.ToString(CultureInfo.InvariantCulture)}";

    public bool IsRunning => _process is { HasExited: false };

    public override string ToString() => $"node {Id} on {Host}";

    private string Id => NodeId.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts the server and waits until it said it started and its port answers from the test process.</summary>
    public async Task StartAsync(TimeSpan? timeout = null)
    {
        if (IsRunning)
            throw new InvalidOperationException($"{this} is already running");
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        _ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _paused = false;
        _process?.Dispose();
        var process = new Process { StartInfo = StartInfo(), EnableRaisingEvents = true };
        process.OutputDataReceived += OnOutput;
        process.ErrorDataReceived += OnOutput;
        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Write($"=== start {++_starts}: pid {process.Id.ToString(CultureInfo.InvariantCulture)} in {Host.Namespace} ===");

        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(_ready.Task, exited, Task.Delay(limit));
        if (first != _ready.Task)
            throw new InvalidOperationException($"{this} did not start within {limit.TotalSeconds} s ({(first == exited ? "it exited" : "no start-up line")}); log {LogFile}:\n{string.Join('\n', Tail(40))}");
        // The start-up line comes after the listeners bound; probing from the root namespace also proves the route.
        while (!await AnswersAsync())
        {
            if (process.HasExited || deadline.Elapsed > limit)
                throw new InvalidOperationException($"{this}: port {Endpoint} did not answer from the test process within {limit.TotalSeconds} s; log {LogFile}");
            await Task.Delay(100);
        }
        _faults.Note($"{this} is up (start {_starts.ToString(CultureInfo.InvariantCulture)})");
    }

    /// <summary>
    /// kill -9: no shutdown hook runs, nothing more is written. Counted as a fault unless <paramref name="asFault"/> is
    /// false (the end of a scenario, whose logs are then read offline).
    /// </summary>
    public async Task KillAsync(bool asFault = true)
    {
        var process = Running();
        process.Kill();
        await WaitForExitAsync(process);
        Write("=== SIGKILL ===");
        if (asFault)
            _faults.Fault($"kill -9 {this}");
        else
            _faults.Note($"kill -9 {this} (end of scenario)");
    }

    /// <summary>SIGSTOP: the process freezes with its sockets open, as in a long GC pause or a VM stall.</summary>
    public Task PauseAsync()
    {
        Signal(Signals.Stop);
        _paused = true;
        Write("=== SIGSTOP ===");
        _faults.Fault($"SIGSTOP {this}");
        return Task.CompletedTask;
    }

    public Task ResumeAsync()
    {
        Signal(Signals.Cont);
        _paused = false;
        Write("=== SIGCONT ===");
        _faults.Repair($"SIGCONT {this}");
        return Task.CompletedTask;
    }

    /// <summary>SIGTERM and a bounded wait for the clean shutdown; kill -9 and an exception when it does not come.</summary>
    public async Task StopAsync()
    {
        var process = Running();
        if (_paused)
            await ResumeAsync();
        Signal(Signals.Term);
        using var cancel = new CancellationTokenSource(ExitTimeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await WaitForExitAsync(process);
            throw new InvalidOperationException($"{this} did not stop within {ExitTimeout.TotalSeconds} s of SIGTERM; log {LogFile}");
        }
        Write($"=== stopped (SIGTERM), exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)} ===");
    }

    /// <summary>Starts the server again on the same data directory (after a kill or a stop).</summary>
    public async Task RestartAsync(TimeSpan? timeout = null)
    {
        await StartAsync(timeout);
        _faults.Repair($"restart {this}");
    }

    /// <summary>The last <paramref name="lines"/> lines of the log file.</summary>
    public IReadOnlyList<string> Tail(int lines)
    {
        lock (_logLock)
        {
            using var reader = new StreamReader(new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            var all = new Queue<string>();
            while (reader.ReadLine() is { } line)
            {
                all.Enqueue(line);
                if (all.Count > lines)
                    all.Dequeue();
            }
            return [.. all];
        }
    }

    private ProcessStartInfo StartInfo()
    {
        var runnel = Path.Combine(AppContext.BaseDirectory, "runnel.dll");
        if (!File.Exists(runnel))
            throw new InvalidOperationException($"{runnel} is missing: the test project references src/Runnel.Cli so that it is built next to the tests.");
        var start = new ProcessStartInfo(Shell.Resolve("ip"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Workstation GC: several servers share two cores with the test process.
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var arg in (string[])["netns", "exec", Host.Namespace, DotnetHost(), runnel, "server"])
            start.ArgumentList.Add(arg);
        // No HTTP listener (it would want localhost:8080) unless a scenario's settings ask for one; theirs come later and win.
        foreach (var (key, value) in Settings.Overrides.Prepend(new("runnel.http.listeners", "")).Append(new("log.dirs", DataDirectory)))
        {
            start.ArgumentList.Add("--override");
            start.ArgumentList.Add($"{key}={value}");
        }
        return start;
    }

    /// <summary>The dotnet host running these tests, so the server runs on the same runtime.</summary>
    private static string DotnetHost()
        => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private void OnOutput(object? sender, DataReceivedEventArgs e)
    {
        if (e.Data is null)
            return;
        Write(e.Data);
        if (e.Data.Contains(ReadyLine, StringComparison.Ordinal))
            _ready.TrySetResult();
    }

    private void Write(string line)
    {
        lock (_logLock)
        {
            if (_closed)
                return;
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"+{_faults.Elapsed.TotalSeconds:F3} {line}"));
        }
    }

    private async Task<bool> AnswersAsync()
    {
        using var client = new TcpClient();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(Host.Address, Settings.ProbePort, cancel.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private Process Running() => _process is { HasExited: false } p ? p : throw new InvalidOperationException($"{this} is not running");

    private void Signal(int signal) => Signals.Send(Running().Id, signal);

    private static async Task WaitForExitAsync(Process process)
    {
        using var cancel = new CancellationTokenSource(ExitTimeout);
        await process.WaitForExitAsync(cancel.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await WaitForExitAsync(process);
        }
        _process?.Dispose();
        lock (_logLock)
        {
            _closed = true;
            _log.Dispose();
        }
    }
}
