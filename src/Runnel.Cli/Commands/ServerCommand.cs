using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Runnel.Broker;
using Runnel.Broker.Configuration;
using Runnel.Cli.Parsing;

namespace Runnel.Cli.Commands;

/// <summary>
/// <c>runnel server [server.properties] [--override key=value]...</c>: runs a broker in the foreground, as
/// kafka-server-start.sh does, until SIGINT or SIGTERM, then stops it cleanly. With no arguments the built-in
/// defaults give a working single-node broker.
/// </summary>
internal sealed class ServerCommand : CliCommand
{
    private static readonly OptionSpec Override = OptionSpec.Many("override", "key=value", "set a broker config, overriding the properties file");

    public override string Name => "server";

    public override string Summary => "run a broker in the foreground (Ctrl-C stops it)";

    public override string Synopsis => "Usage: runnel server [server.properties] [--override key=value]...";

    public override IReadOnlyList<OptionSpec> Options { get; } = [Override, Help];

    public override int MaxPositionals => 1;

    public override async Task<int> RunAsync(ParsedArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        var file = args.Positionals.Count > 0 ? args.Positionals[0] : null;
        BrokerConfig config;
        try
        {
            config = BrokerConfig.Load(file, args.GetAll(Override.Name));
        }
        catch (ConfigException e)
        {
            await console.Error.WriteLineAsync($"runnel server: {e.Message}").ConfigureAwait(false);
            return CliApp.Failed;
        }
        catch (IOException e)
        {
            await console.Error.WriteLineAsync($"runnel server: cannot read {file}: {e.Message}").ConfigureAwait(false);
            return CliApp.Failed;
        }

        using var logging = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Information)
            .AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            }));
        RunnelBroker broker;
        try
        {
            // A signal during start-up (which can wait long: for a quorum, or for an old registration's session to
            // expire) abandons it; StartAsync stops whatever it had started, cleanly.
            // The HTTP listener (runnel.http.listeners: /metrics, /health, /ready) is composed here, not in the broker library.
            broker = await RunnelBroker.StartAsync(config, [new Http.RunnelHttpHost(logging)], logging, cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigException e)
        {
            await console.Error.WriteLineAsync($"runnel server: {e.Message}").ConfigureAwait(false);
            return CliApp.Failed;
        }
        catch (SocketException e)
        {
            await console.Error.WriteLineAsync($"runnel server: cannot listen on {config.GetString("listeners")}: {e.Message}").ConfigureAwait(false);
            return CliApp.Failed;
        }
        catch (IOException e)
        {
            // Kestrel's failure to bind runnel.http.listeners.
            await console.Error.WriteLineAsync($"runnel server: cannot listen on {config.GetString(Http.RunnelHttpHost.ListenersKey)}: {e.Message}").ConfigureAwait(false);
            return CliApp.Failed;
        }

        // Serve until a signal cancels us or the broker stops by itself (a fatal error inside it).
        var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (cancellationToken.Register(() => signalled.TrySetResult()).ConfigureAwait(false))
            await Task.WhenAny(broker.Completion, signalled.Task).ConfigureAwait(false);
        await broker.StopAsync().ConfigureAwait(false);
        return CliApp.Ok;
    }
}
