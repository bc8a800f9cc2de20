using System.Diagnostics;
using System.Text;

namespace Runnel.IntegrationTests.Fixtures;

/// <summary>
/// A real client program that keeps running while the test watches its output line by line: wait for a line,
/// tell it to stop through its standard input, or kill it outright as a crash would.
/// </summary>
public sealed class ClientProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly StringBuilder _stderr = new();
    private TaskCompletionSource _changed = NewSignal();

    private ClientProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public static ClientProcess Start(string name, string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var client = new ClientProcess(process, name);
        process.OutputDataReceived += (_, e) => client.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (client._stderr)
                client._stderr.AppendLine(e.Data);
        };
        process.Exited += (_, _) => client.Signal();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return client;
    }

    /// <summary>Every stdout line so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
                return [.. _lines];
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    /// <summary>Completes at the next output line or exit.</summary>
    public Task NextChange => Volatile.Read(ref _changed).Task;

    /// <summary>Waits until <paramref name="condition"/> holds for the lines so far; throws with the output if it does not in time.</summary>
    public Task WaitUntilAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout, string what)
        => WaitUntilAsync([this], () => condition(Lines), timeout, what);

    /// <summary>Waits until <paramref name="condition"/> holds, checking after each line any of <paramref name="clients"/> prints.</summary>
    public static async Task WaitUntilAsync(IReadOnlyList<ClientProcess> clients, Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var changes = clients.Select(c => c.NextChange).ToList();
            if (condition())
                return;
            if (clients.All(c => c.HasExited))
                throw new InvalidOperationException($"every client exited before {what}; {Describe(clients)}");
            var remaining = timeout - deadline.Elapsed;
            if (remaining <= TimeSpan.Zero)
                throw new TimeoutException($"no {what} within {timeout}; {Describe(clients)}");
            try
            {
                await Task.WhenAny(changes).WaitAsync(remaining).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private static string Describe(IEnumerable<ClientProcess> clients)
        => string.Join("; ", clients.Select(c => $"{c.Name}: last lines [{string.Join(" | ", c.Lines.TakeLast(4))}] stderr [{c.Stderr.Trim()}]"));

    /// <summary>Asks the client to finish cleanly (it reads "stop" or end of input) and waits for it to exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("stop").ConfigureAwait(false);
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
    }

    /// <summary>Ends the process at once, as a crash would: no LeaveGroup, no final commit.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_lines)
            _lines.Add(line);
        Signal();
    }

    private void Signal() => Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
