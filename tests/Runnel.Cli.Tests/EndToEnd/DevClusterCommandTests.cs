using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Runnel.Cli.Tests.Support;

namespace Runnel.Cli.Tests.EndToEnd;

/// <summary>
/// <c>runnel dev-cluster</c> run in-process: three real server processes form a cluster that replicates an RF3 topic,
/// and cancelling the command (what Ctrl-C does) stops every one of them.
/// </summary>
public class DevClusterCommandTests
{
    [Fact]
    public async Task Three_nodes_replicate_and_all_stop_when_interrupted()
    {
        var dataDir = Directory.CreateTempSubdirectory("runnel-dev-cluster-").FullName;
        var port = FreeBasePort(3);
        using var stop = new CancellationTokenSource();
        var stdout = new WatchedWriter("Cluster ready");
        using var stderr = new StringWriter();
        var console = new CliConsole(new StringReader(""), stdout, stderr, false, false, false);
        var run = CliApp.RunAsync(["dev-cluster", "--nodes", "3", "--port", $"{port}", "--data-dir", dataDir], console, stop.Token);
        var pids = new List<int>();
        try
        {
            var ready = await Task.WhenAny(stdout.Seen, run).WaitAsync(TimeSpan.FromSeconds(90));
            Assert.True(ready == stdout.Seen, $"not ready: {stdout}\n{stderr}");
            var bootstrap = $"127.0.0.1:{port},127.0.0.1:{port + 1},127.0.0.1:{port + 2}";
            Assert.Contains($"Bootstrap servers: {bootstrap}", stdout.ToString(), StringComparison.Ordinal);
            pids.AddRange(stdout.ToString().Split('\n').Where(l => l.Contains(", pid ", StringComparison.Ordinal))
                .Select(l => int.Parse(l.Split(", pid ")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal(3, pids.Count);
            for (var i = 1; i <= 3; i++)
                Assert.True(File.Exists(Path.Combine(dataDir, $"node-{i}", "server.log")));

            var create = await CliRun.RunAsync("topic", "create", "--topic", "dev", "--partitions", "2", "--replication-factor", "3",
                "--bootstrap-server", bootstrap);
            Assert.True(create.ExitCode == CliApp.Ok, create.Error);
            var produced = await CliRun.RunWithInputAsync("a\nb\nc\n", "produce", "--topic", "dev", "--bootstrap-server", bootstrap,
                "--producer-property", "acks=all");
            Assert.True(produced.ExitCode == CliApp.Ok, produced.Error);
            var consumed = await CliRun.RunAsync("consume", "--topic", "dev", "--from-beginning", "--max-messages", "3", "--bootstrap-server", bootstrap);
            Assert.Equal(["a", "b", "c"], consumed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
            var described = await CliRun.RunAsync("topic", "describe", "--topic", "dev", "--bootstrap-server", bootstrap);
            Assert.Contains("Replicas: ", described.Out, StringComparison.Ordinal);
            Assert.Equal(2, described.Out.Split('\n').Count(l => l.Contains("Isr: ", StringComparison.Ordinal) && l.Split("Isr: ")[1].Split('\t')[0].Split(',').Length == 3));
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(CliApp.Ok, await run.WaitAsync(TimeSpan.FromSeconds(60)));
            foreach (var pid in pids)
                Assert.False(IsRunning(pid), $"node process {pid} still runs after the dev cluster stopped");
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>A base port with <paramref name="count"/> free client ports from it and the same at base + 100.</summary>
    private static int FreeBasePort(int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(20_000, 40_000);
            if (Enumerable.Range(port, count).Concat(Enumerable.Range(port + 100, count)).All(IsFree))
                return port;
        }
        throw new InvalidOperationException("No free port range found.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A string writer that signals when what was written contains <paramref name="text"/>.</summary>
    private sealed class WatchedWriter(string text) : StringWriter
    {
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Seen => _seen.Task;

        public override void Write(char value)
        {
            lock (this)
                base.Write(value);
            Check();
        }

        public override void Write(string? value)
        {
            lock (this)
                base.Write(value);
            Check();
        }

        public override Task WriteLineAsync(string? value)
        {
            lock (this)
                base.WriteLine(value);
            Check();
            return Task.CompletedTask;
        }

        public override string ToString()
        {
            lock (this)
                return base.ToString();
        }

        private void Check()
        {
            if (ToString().Contains(text, StringComparison.Ordinal))
                _seen.TrySetResult();
        }

        public override Encoding Encoding => Encoding.UTF8;
    }
}
