using System.Net;
using System.Net.Sockets;
using Runnel.Cli.Tests.Support;

namespace Runnel.Cli.Tests.EndToEnd;

/// <summary><c>runnel server</c> run in-process: it serves until cancelled (what SIGINT/SIGTERM do) and exits 0.</summary>
public class ServerCommandTests
{
    [Fact]
    public async Task Server_with_overrides_serves_clients_until_interrupted()
    {
        var logDir = Directory.CreateTempSubdirectory("runnel-cli-server-").FullName;
        var port = FreePort();
        using var stop = new CancellationTokenSource();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var console = new CliConsole(new StringReader(""), stdout, stderr, false, false, false);
        var server = CliApp.RunAsync(
            ["server", "--override", $"listeners=PLAINTEXT://127.0.0.1:{port}", "--override", $"advertised.listeners=PLAINTEXT://127.0.0.1:{port}", "--override", $"log.dirs={logDir}",
                "--override", "runnel.http.listeners="],
            console, stop.Token);
        try
        {
            // Bounded wait for the listener: retry the command until it answers or the deadline passes.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            var info = await CliRun.RunAsync("cluster", "info", "--bootstrap-server", $"127.0.0.1:{port}");
            while (info.ExitCode != CliApp.Ok && DateTime.UtcNow < deadline)
            {
                Assert.False(server.IsCompleted, stderr.ToString());
                await Task.Delay(20);
                info = await CliRun.RunAsync("cluster", "info", "--bootstrap-server", $"127.0.0.1:{port}");
            }
            Assert.Equal(CliApp.Ok, info.ExitCode);
            Assert.Contains($"127.0.0.1:{port}  (controller)", info.Out, StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(CliApp.Ok, await server.WaitAsync(TimeSpan.FromSeconds(30)));
            Directory.Delete(logDir, recursive: true);
        }
    }

    [Fact]
    public async Task Server_fails_cleanly_when_its_http_listener_cannot_bind()
    {
        var logDir = Directory.CreateTempSubdirectory("runnel-cli-server-").FullName;
        var port = FreePort();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var httpPort = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var console = new CliConsole(new StringReader(""), stdout, stderr, false, false, false);
        try
        {
            var code = await CliApp.RunAsync(
                ["server", "--override", $"listeners=PLAINTEXT://127.0.0.1:{port}", "--override", $"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
                    "--override", $"log.dirs={logDir}", "--override", $"runnel.http.listeners=http://127.0.0.1:{httpPort}"],
                console, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(CliApp.Failed, code);
            Assert.Contains($"cannot listen on http://127.0.0.1:{httpPort}", stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(logDir, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
