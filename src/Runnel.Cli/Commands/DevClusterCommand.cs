using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Runnel.Cli.Parsing;
using Runnel.Client;
using Runnel.Client.Admin;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel dev-cluster [--nodes 3]</c>: a local cluster for development. Starts N <c>runnel server</c> processes in
/// KRaft's combined mode (each a broker and a voter of one quorum) on consecutive client ports from <c>--port</c>
/// (controllers from port + 100), each with its own data directory under <c>--data-dir</c> and its log in
/// <c>server.log</c> there; waits until every broker has registered, prints the bootstrap string, and stops them all
/// cleanly on Ctrl-C or SIGTERM. A node that dies meanwhile (kill -9 one to watch a failover) is reported and the
/// rest keep running. The same data directory starts the same cluster again.
/// </summary>
internal sealed class DevClusterCommand : CliCommand
{
    private static readonly OptionSpec Nodes = OptionSpec.Value("nodes", "n", "how many nodes (default 3)");

    private static readonly OptionSpec Port = OptionSpec.Value("port", "port", "the first node's client port; the others follow it (default 9092)");

    private static readonly OptionSpec DataDir = OptionSpec.Value("data-dir", "dir", "where the nodes keep their data (default $TMPDIR/runnel-dev-cluster)");

    private static readonly OptionSpec Override = OptionSpec.Many("override", "key=value", "a broker config for every node");

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(45);

    public override string Name => "dev-cluster";

    public override string Summary => "run a local multi-node cluster in the foreground (Ctrl-C stops it)";

    public override string Synopsis => "Usage: runnel dev-cluster [--nodes 3] [--port 9092] [--data-dir dir] [--override key=value]...";

    public override IReadOnlyList<OptionSpec> Options { get; } = [Nodes, Port, DataDir, Override, Help];

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var count = IntOption(args, Nodes.Name, 3, 1, 9);
        var port = IntOption(args, Port.Name, 9092, 1, 65535 - 100 - count);
        var dataDir = Path.GetFullPath(args.Get(DataDir.Name) ?? Path.Combine(Path.GetTempPath(), "runnel-dev-cluster"));
        var nodes = Enumerable.Range(1, count).Select(id => new DevNode(id, port + id - 1, port + 100 + id - 1, Path.Combine(dataDir, $"node-{id}"))).ToList();
        var voters = string.Join(',', nodes.Select(n => $"{n.Id}@127.0.0.1:{n.ControllerPort}"));
        var bootstrap = string.Join(',', nodes.Select(n => $"127.0.0.1:{n.ClientPort}"));
        var extra = args.GetAll(Override.Name);

        await console.Out.WriteLineAsync($"Starting {count} nodes (data in {dataDir})...").ConfigureAwait(false);
        await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var node in nodes)
                node.Start(voters, extra);
            var ready = await WaitUntilReadyAsync(nodes, cancellationToken).ConfigureAwait(false);
            if (ready is not null)
            {
                await console.Error.WriteLineAsync($"runnel dev-cluster: {ready}").ConfigureAwait(false);
                return CliApp.Failed;
            }
            foreach (var node in nodes)
                await console.Out.WriteLineAsync($"  node {node.Id}: client 127.0.0.1:{node.ClientPort}, controller 127.0.0.1:{node.ControllerPort}, pid {node.Pid}, log {node.LogPath}").ConfigureAwait(false);
            await console.Out.WriteLineAsync($"Cluster ready. Bootstrap servers: {bootstrap}").ConfigureAwait(false);
            await console.Out.WriteLineAsync("Ctrl-C stops every node.").ConfigureAwait(false);
            await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            await WatchAsync(nodes, console, cancellationToken).ConfigureAwait(false);
            return CliApp.Ok;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CliApp.Ok;
        }
        finally
        {
            await console.Out.WriteLineAsync("Stopping...").ConfigureAwait(false);
            await console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.WhenAll(nodes.Select(n => n.StopAsync(StopTimeout))).ConfigureAwait(false);
            foreach (var node in nodes)
                await node.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Null once every node serves clients (a broker opens its client port only after it has joined the cluster) and
    /// sees all N brokers; otherwise why not (a node exited, or the time ran out).
    /// </summary>
    private static async Task<string?> WaitUntilReadyAsync(List<DevNode> nodes, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartTimeout);
        var exited = Task.WhenAny(nodes.Select(n => n.Exited));
        foreach (var node in nodes)
        {
            await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = $"127.0.0.1:{node.ClientPort}" });
            while (true)
            {
                if (exited.IsCompleted)
                {
                    var failed = nodes.First(n => n.Exited.IsCompleted);
                    return $"node {failed.Id} exited with code {await failed.Exited.ConfigureAwait(false)} while starting; see {failed.LogPath}";
                }
                try
                {
                    var cluster = await admin.DescribeClusterAsync(deadline.Token).ConfigureAwait(false);
                    if (cluster.Brokers.Count == nodes.Count && cluster.ControllerId >= 0)
                        break;
                }
                catch (RunnelException)
                {
                    // Not up yet: the nodes are still electing a controller or registering.
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return $"node {node.Id} did not join within {StartTimeout.TotalSeconds:0} s; see {node.LogPath}";
                }
                // Another process's start-up has no event to wait on: asked again when a node exits or after a short
                // pause, whichever is first, until the deadline above.
                await ((Task)Task.WhenAny(exited, Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        return null;
    }

    /// <summary>Reports each node that exits, until <paramref name="cancellationToken"/> fires.</summary>
    private static async Task WatchAsync(List<DevNode> nodes, CliConsole console, CancellationToken cancellationToken)
    {
        var running = nodes.ToDictionary(n => n.Exited, n => n);
        var stopped = Task.Delay(Timeout.Infinite, cancellationToken);
        while (running.Count > 0)
        {
            var done = await Task.WhenAny(running.Keys.Append(stopped)).ConfigureAwait(false);
            if (done == stopped)
                break;
            var exited = (Task<int>)done;
            var node = running[exited];
            running.Remove(exited);
            await console.Out.WriteLineAsync($"node {node.Id} exited with code {await node.Exited.ConfigureAwait(false)}; the others keep running (log {node.LogPath})").ConfigureAwait(false);
            await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        await stopped.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private static int IntOption(ParsedArguments args, string name, int fallback, int min, int max)
    {
        if (args.Get(name) is not { } text)
            return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new UsageException($"--{name} must be a whole number from {min} to {max}, not '{text}'.");
        return value;
    }

    /// <summary>One node's process: started in a session of its own, so Ctrl-C reaches only the dev-cluster, which stops each node once.</summary>
    private sealed class DevNode(int id, int clientPort, int controllerPort, string dataDir) : IAsyncDisposable
    {
        private Process? _process;
        private StreamWriter? _log;
        private Task _copy = Task.CompletedTask;
        private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Id => id;

        public int ClientPort => clientPort;

        public int ControllerPort => controllerPort;

        public string DataDir => dataDir;

        public string LogPath => Path.Combine(dataDir, "server.log");

        public int Pid => _process?.Id ?? -1;

        public Task<int> Exited => _exited.Task;

        public void Start(string voters, IReadOnlyList<string> extra)
        {
            Directory.CreateDirectory(dataDir);
            var (program, prefix) = SelfCommand();
            var start = new ProcessStartInfo(File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : program)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (start.FileName != program)
                start.ArgumentList.Add(program);
            foreach (var arg in prefix)
                start.ArgumentList.Add(arg);
            start.ArgumentList.Add("server");
            var i = id.ToString(CultureInfo.InvariantCulture);
            string[] overrides =
            [
                "process.roles=broker,controller", $"node.id={i}", "cluster.id=runnel-dev-cluster",
                $"controller.quorum.voters={voters}", "controller.listener.names=CONTROLLER",
                $"listeners=PLAINTEXT://127.0.0.1:{clientPort},CONTROLLER://127.0.0.1:{controllerPort}",
                $"advertised.listeners=PLAINTEXT://127.0.0.1:{clientPort}", $"log.dirs={Path.Combine(dataDir, "data")}",
                // The nodes would all want the default HTTP port; --override runnel.http.listeners=... turns it on.
                "runnel.http.listeners=",
                .. extra,
            ];
            foreach (var value in overrides)
            {
                start.ArgumentList.Add("--override");
                start.ArgumentList.Add(value);
            }
            _log = new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
            var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start node {id}.");
            _process = process;
            _copy = Task.WhenAll(CopyAsync(process.StandardOutput), CopyAsync(process.StandardError));
            _ = WaitForExitAsync(process);
        }

        private async Task WaitForExitAsync(Process process)
        {
            await process.WaitForExitAsync().ConfigureAwait(false);
            _exited.TrySetResult(process.ExitCode);
        }

        private async Task CopyAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (this)
                    _log!.WriteLine(line);
            }
        }

        /// <summary>SIGTERM (a clean stop: leadership moves away first), then SIGKILL if it is still running after <paramref name="timeout"/>.</summary>
        public async Task StopAsync(TimeSpan timeout)
        {
            if (_process is not { } process || _exited.Task.IsCompleted)
                return;
            _ = SendSignal(process.Id, Sigterm);
            if (await Task.WhenAny(_exited.Task, Task.Delay(timeout)).ConfigureAwait(false) != _exited.Task)
                process.Kill();
            await _exited.Task.ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await _copy.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _process?.Dispose();
            if (_log is not null)
                await _log.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// How to run this same CLI again: the apphost beside this assembly (the build puts one there), or else the .NET
    /// host with this assembly.
    /// </summary>
    private static (string Program, string[] Prefix) SelfCommand()
    {
        var assembly = typeof(DevClusterCommand).Assembly.Location;
        var apphost = Path.Combine(Path.GetDirectoryName(assembly) ?? ".", "runnel");
        if (File.Exists(apphost))
            return (apphost, []);
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet");
        return (host, [assembly]);
    }

    private const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
