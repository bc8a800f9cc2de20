using Runnel.Cli;

namespace Runnel.IntegrationTests.Fixtures;

/// <summary>Runs the runnel CLI in-process, as <c>runnel ARGS</c> would, capturing what it prints.</summary>
internal static class RunnelCli
{
    public static Task<ProcessResult> RunAsync(params string[] args) => RunWithInputAsync("", args);

    /// <summary>As <see cref="RunAsync"/>, with <paramref name="input"/> on standard input.</summary>
    public static async Task<ProcessResult> RunWithInputAsync(string input, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var console = new CliConsole(new StringReader(input), stdout, stderr, inputIsTerminal: false, outputIsTerminal: false, errorIsTerminal: false);
        var code = await CliApp.RunAsync(args, console, timeout.Token);
        return new ProcessResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// <c>runnel group describe</c> parsed: per topic partition the committed offset, log end offset and lag
    /// (-1 for "-"), and the total lag line.
    /// </summary>
    public static async Task<(Dictionary<(string Topic, int Partition), (long Committed, long End, long Lag)> Rows, long TotalLag)> DescribeGroupAsync(string bootstrap, string group)
    {
        var result = await RunAsync("group", "describe", group, "--bootstrap-server", bootstrap);
        Assert.True(result.ExitCode == 0, ExternalProcess.Describe(result));
        var rows = new Dictionary<(string, int), (long, long, long)>();
        long total = -1;
        foreach (var line in result.Lines)
        {
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length >= 6 && cells[0] == group)
                rows[(cells[1], int.Parse(cells[2], System.Globalization.CultureInfo.InvariantCulture))] = (Number(cells[3]), Number(cells[4]), Number(cells[5]));
            else if (line.StartsWith("Total lag: ", StringComparison.Ordinal))
                total = Number(line["Total lag: ".Length..]);
        }
        return (rows, total);
    }

    private static long Number(string text) => text == "-" ? -1 : long.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}
