using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Runnel.IntegrationTests.Fixtures;

/// <summary>
/// `runnel server` as a child process on a free loopback port, for what only a real process shows: kill -9
/// (SIGKILL) and restart on the same data directory.
/// </summary>
public sealed class BrokerProcess : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string> _overrides;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private Process? _process;

    private BrokerProcess(string dataDir, int port, IReadOnlyDictionary<string, string> overrides)
    {
        DataDir = dataDir;
        Port = port;
        _overrides = overrides;
    }

    public string DataDir { get; }

    public int Port { get; }

    public string Bootstrap => $"127.0.0.1:{Port}";

    /// <summary>The running server's process id (for /proc readings).</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The server is not running.");

    /// <summary>Everything the server printed, across restarts.</summary>
    public IEnumerable<string> Output => _output;

    /// <summary>
    /// Starts <c>runnel server</c> on <paramref name="port"/> (a free one by default) with a PLAINTEXT listener there,
    /// <paramref name="dataDir"/> as log.dirs, and <paramref name="overrides"/> on top (which may replace the listener).
    /// </summary>
    public static async Task<BrokerProcess> StartAsync(string? dataDir = null, IReadOnlyDictionary<string, string>? overrides = null, int? port = null)
    {
        dataDir ??= Path.Combine(Path.GetTempPath(), "runnel-proc-" + Guid.NewGuid().ToString("N")[..12]);
        var broker = new BrokerProcess(dataDir, port ?? FreePort(), overrides ?? new Dictionary<string, string>());
        await broker.StartProcessAsync();
        return broker;
    }

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var settings = new Dictionary<string, string>
        {
            ["listeners"] = $"PLAINTEXT://127.0.0.1:{Port}",
            ["advertised.listeners"] = $"PLAINTEXT://127.0.0.1:{Port}",
            ["log.dirs"] = DataDir,
            // runnel server's HTTP listener defaults to localhost:8080, which parallel brokers would fight over.
            ["runnel.http.listeners"] = "",
        };
        foreach (var (key, value) in _overrides)
            settings[key] = value;
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "runnel.dll"));
        start.ArgumentList.Add("server");
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add("--override");
            start.ArgumentList.Add($"{key}={value}");
        }
        _process = Process.Start(start)!;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = _output;
        // With an HTTP listener, the server has started once that serves too (it starts after the Kafka listeners).
        var awaiting = settings["runnel.http.listeners"].Length > 0 ? 2 : 1;
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
                return;
            output.Enqueue(e.Data);
            if ((e.Data.Contains("started; clients bootstrap from", StringComparison.Ordinal) || e.Data.Contains("HTTP listening on", StringComparison.Ordinal))
                && Interlocked.Decrement(ref awaiting) == 0)
                started.TrySetResult();
        }
        _process.OutputDataReceived += OnLine;
        _process.ErrorDataReceived += OnLine;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(started.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != started.Task)
        {
            // Never leave a half-started server behind a failed test.
            if (!_process.HasExited)
                await KillAsync();
            throw new InvalidOperationException($"runnel server did not start:\n{string.Join('\n', output)}");
        }
    }

    /// <summary>
    /// Starts servers together (a new quorum forms only once every voter is up); if any fails to start, the others are
    /// stopped before the failure is thrown.
    /// </summary>
    public static async Task<BrokerProcess[]> StartAllAsync(IEnumerable<Func<Task<BrokerProcess>>> starts)
    {
        var tasks = starts.Select(start => start()).ToList();
        try
        {
            return await Task.WhenAll(tasks);
        }
        catch
        {
            foreach (var task in tasks.Where(t => t.IsCompletedSuccessfully))
                await task.Result.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL: no shutdown hook runs, nothing is flushed.</summary>
    public async Task KillAsync()
    {
        _process!.Kill();
        await _process.WaitForExitAsync();
    }

    public async Task RestartAsync()
    {
        if (_process is { HasExited: false })
            await KillAsync();
        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
            await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
