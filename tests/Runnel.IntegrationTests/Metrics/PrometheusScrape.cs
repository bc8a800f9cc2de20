using System.Globalization;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Metrics;

/// <summary>
/// A /metrics scrape: its text, checked by promtool (Debian's prometheus package, which scripts/test.sh installs), and
/// its samples by series (<c>name{label="value",...}</c> exactly as exposed) for the assertions.
/// </summary>
internal sealed class PrometheusScrape
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(30) };
    private static readonly string[] PromtoolPaths = ["/usr/bin/promtool", "/usr/local/bin/promtool"];

    private PrometheusScrape(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
                continue;
            var space = line.LastIndexOf(' ');
            Samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
    }

    public string Text { get; }

    public Dictionary<string, double> Samples { get; } = new(StringComparer.Ordinal);

    public static async Task<PrometheusScrape> TakeAsync(BrokerFixture broker)
    {
        using var response = await Client.GetAsync(new Uri(broker.HttpAddress, "/metrics"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return new PrometheusScrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The value of the series <paramref name="name"/> whose labels include all of <paramref name="labels"/>, or null.</summary>
    public double? Value(string name, params (string Label, string Value)[] labels)
    {
        foreach (var (series, value) in Samples)
        {
            if ((series == name && labels.Length == 0) || (series.StartsWith(name + "{", StringComparison.Ordinal)
                && labels.All(l => series.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal))))
                return value;
        }
        return null;
    }

    /// <summary>
    /// Runs <c>promtool check metrics</c> on the text: it must parse (exit 1 is a parse error), and every lint complaint
    /// (exit 3) must be about .NET's own runtime instruments (dotnet_*), whose names Runnel does not choose.
    /// </summary>
    public async Task CheckWithPromtoolAsync()
    {
        var promtool = PromtoolPaths.FirstOrDefault(File.Exists);
        Assert.True(promtool is not null, "promtool is missing: install Debian's prometheus package (scripts/test.sh installs it)");
        var result = await ExternalProcess.RunAsync(promtool!, ["check", "metrics"], Text, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode is 0 or 3, $"promtool rejected the scrape: {ExternalProcess.Describe(result)}");
        var complaints = (result.Stdout + result.Stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(complaints, line => Assert.StartsWith("dotnet_", line, StringComparison.Ordinal));
    }
}
