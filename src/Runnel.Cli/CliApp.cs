using Runnel.Cli.Commands;
using Runnel.Cli.Parsing;
using Runnel.Client;

namespace Runnel.Cli;

/// <summary>
/// The entry point behind <c>Program.Main</c>: picks the command, parses its options, runs it, and turns failures
/// into messages and exit codes (0 ok, 1 failed, 2 bad usage, 130 interrupted).
/// </summary>
internal static class CliApp
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;
    public const int Interrupted = 130;

    public static IReadOnlyList<CliCommand> Commands { get; } =
        [new TopicCommand(), new PartitionCommand(), new ProduceCommand(), new ConsumeCommand(), new GroupCommand(), new TransactionCommand(), new ProducerCommand(), new AclCommand(), new UserCommand(), new QuotaCommand(), new ClusterCommand(), new TopCommand(), new ServerCommand(),
            new DevClusterCommand(), new CertCommand()];

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            await console.Out.WriteLineAsync(GeneralUsage).ConfigureAwait(false);
            await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            return args.Length == 0 ? BadUsage : Ok;
        }
        var name = args[0] switch
        {
            "topics" => "topic",
            "partitions" => "partition",
            "groups" or "consumer-groups" => "group",
            var other => other,
        };
        var command = Commands.FirstOrDefault(c => c.Name == name);
        if (command is null)
        {
            await console.Error.WriteLineAsync($"runnel: unknown command '{args[0]}'.\n\n{GeneralUsage}").ConfigureAwait(false);
            return BadUsage;
        }
        try
        {
            var parsed = ArgumentParser.Parse(args[1..], command.Options, command.MaxPositionals);
            if (parsed.Has(CliCommand.Help.Name))
            {
                await console.Out.WriteLineAsync(command.Usage).ConfigureAwait(false);
                return Ok;
            }
            return await command.RunAsync(parsed, console, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await console.Error.WriteLineAsync($"runnel {command.Name}: {e.Message}\n\n{command.Usage}").ConfigureAwait(false);
            return BadUsage;
        }
        catch (RunnelException e)
        {
            await console.Error.WriteLineAsync($"runnel {command.Name}: {e.Message}").ConfigureAwait(false);
            return Failed;
        }
        catch (NotSupportedException e)
        {
            await console.Error.WriteLineAsync($"runnel {command.Name}: {e.Message}").ConfigureAwait(false);
            return Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Interrupted;
        }
        finally
        {
            await console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string GeneralUsage =>
        "Usage: runnel <command> [options]   (runnel <command> --help for its options)\n\nCommands:\n"
        + string.Join('\n', Commands.Select(c => $"  {c.Name,-11} {c.Summary}"));
}
