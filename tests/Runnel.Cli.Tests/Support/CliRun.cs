namespace Runnel.Cli.Tests.Support;

/// <summary>What one in-process run of the CLI printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error);

/// <summary>Runs <see cref="CliApp.RunAsync"/> in-process with string streams (not terminals) for stdin, stdout and stderr.</summary>
internal static class CliRun
{
    public static async Task<CliResult> RunWithInputAsync(string input, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var stdin = new StringReader(input);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var console = new CliConsole(stdin, stdout, stderr, inputIsTerminal: false, outputIsTerminal: false, errorIsTerminal: false);
        var code = await CliApp.RunAsync(args, console, timeout.Token);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunWithInputAsync("", args);
}
