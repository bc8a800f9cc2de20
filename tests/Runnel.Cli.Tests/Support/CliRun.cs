namespace Runnel.Cli.Tests.Support;

/// <summary>What one in-process run of the CLI printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error);

/// <summary>
/// Runs <see cref="CliApp.RunAsync"/> in-process with string streams for stdin, stdout and stderr, which count as
/// pipes, or with stderr counting as a terminal (where progress and summaries go).
/// </summary>
internal static class CliRun
{
    public static Task<CliResult> RunWithInputAsync(string input, params string[] args) => RunCoreAsync(input, errorIsTerminal: false, args);

    public static Task<CliResult> RunAsync(params string[] args) => RunCoreAsync("", errorIsTerminal: false, args);

    public static Task<CliResult> RunWatchedAsync(string input, params string[] args) => RunCoreAsync(input, errorIsTerminal: true, args);

    private static async Task<CliResult> RunCoreAsync(string input, bool errorIsTerminal, string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var stdin = new StringReader(input);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var console = new CliConsole(stdin, stdout, stderr, inputIsTerminal: false, outputIsTerminal: false, errorIsTerminal);
        var code = await CliApp.RunAsync(args, console, timeout.Token);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }
}
