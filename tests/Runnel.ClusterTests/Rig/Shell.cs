using System.Diagnostics;

namespace Runnel.ClusterTests.Rig;

/// <summary>The outcome of one command the rig ran.</summary>
public sealed record ShellResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// Runs the rig's tools (ip, iptables, tc) with a bounded wait. Arguments are passed as a list, never through
/// a shell, so no name or address is ever re-parsed.
/// </summary>
public static class Shell
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs the command and throws, with its stderr, when it fails.</summary>
    public static Task<string> RunAsync(string file, params string[] args) => RunWithInputAsync(null, file, args);

    /// <summary>Runs the command with <paramref name="stdin"/> as its input (batches: ip -batch -, iptables-restore).</summary>
    public static async Task<string> RunWithInputAsync(string? stdin, string file, params string[] args)
    {
        var result = await ExecuteAsync(stdin, file, args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` failed (exit {result.ExitCode}): {result.Stderr.Trim()}"
                + (stdin is null ? "" : $"\ninput:\n{stdin}"));
        return result.Stdout;
    }

    /// <summary>Runs the command and returns what happened; for commands whose failure is an answer.</summary>
    public static Task<ShellResult> TryAsync(string file, params string[] args) => ExecuteAsync(null, file, args);

    private static async Task<ShellResult> ExecuteAsync(string? stdin, string file, string[] args)
    {
        // `ip netns exec NS TOOL` looks TOOL up on PATH again: resolve it here too.
        if (file == "ip" && args is ["netns", "exec", _, var tool, ..])
            args = [.. args[..3], Resolve(tool), .. args[4..]];
        var start = new ProcessStartInfo(Resolve(file))
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new ShellResult(127, "", $"{file}: {e.Message}");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
                process.StandardInput.Close();
            }
            using var timeout = new CancellationTokenSource(DefaultTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"`{file} {string.Join(' ', args)}` did not finish within {DefaultTimeout.TotalSeconds} s");
            }
            return new ShellResult(process.ExitCode, await stdout, await stderr);
        }
    }

    /// <summary>
    /// The tool's path: from PATH, else from the sbin directories where Debian installs ip, tc and iptables (a
    /// non-login root shell may lack them on its PATH).
    /// </summary>
    public static string Resolve(string file)
    {
        if (file.Contains('/', StringComparison.Ordinal))
            return file;
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]).Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists) ?? file;
    }

    /// <summary>Runs <paramref name="file"/> inside network namespace <paramref name="ns"/>.</summary>
    public static Task<string> InNamespaceAsync(string ns, string file, params string[] args)
        => RunAsync("ip", ["netns", "exec", ns, file, .. args]);
}
