using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Runnel.IntegrationTests.Cluster;
using Runnel.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Runnel.IntegrationTests.WebConsole;

/// <summary>
/// The console of one node of a three-node cluster (`runnel server` processes): it lists every broker and voter, a
/// topic it creates is replicated three ways in kcat's metadata, and its live tail shows kcat's records of
/// partitions that other nodes lead.
/// </summary>
public sealed class ClusterConsoleTests(ConsoleBrowser browser, ITestOutputHelper output) : IClassFixture<ConsoleBrowser>
{
    [Fact]
    public async Task One_nodes_console_shows_and_acts_on_the_whole_cluster()
    {
        var httpPort = BrokerProcess.FreePort();
        await using var cluster = await CombinedCluster.StartAsync(perNode: id => id == 2
            ? new Dictionary<string, string> { ["runnel.http.listeners"] = $"http://127.0.0.1:{httpPort}" }
            : new Dictionary<string, string>());
        await using var console = await browser.OpenAsync(new Uri($"http://127.0.0.1:{httpPort}"));
        await console.GoAsync("#/");
        Assert.Equal(["1", "2", "3"], (await console.TableAsync("brokers")).Select(r => r[0]));
        Assert.Equal(3, (await console.TableAsync("quorum")).Count(r => r[1].StartsWith("voter", StringComparison.Ordinal)));
        output.WriteLine($"screenshot: {await console.ScreenshotAsync("cluster-overview")}");

        const string topic = "console-replicated";
        await console.GoAsync("#/topics");
        await console.Page.FillAsync("[data-testid=new-topic-name]", topic);
        await console.Page.FillAsync("[data-testid=new-topic-partitions]", "3");
        await console.Page.FillAsync("input[name=rf]", "3");
        await console.Page.ClickAsync("[data-testid=create-topic-submit]");
        await console.Page.ClickAsync("[data-testid=confirm-ok]");
        await console.Page.WaitForSelectorAsync($"main[data-loaded=\"#/topics/{topic}\"]", new PageWaitForSelectorOptions { Timeout = 30_000 });
        var metadata = await ExternalProcess.RunAsync("kcat", ["-b", cluster.Bootstrap, "-L", "-t", topic, "-J"]);
        Assert.True(metadata.ExitCode == 0, ExternalProcess.Describe(metadata));
        using var json = JsonDocument.Parse(metadata.Stdout);
        var partitions = json.RootElement.GetProperty("topics")[0].GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(3, partitions.Count);
        Assert.All(partitions, p => Assert.Equal(3, p.GetProperty("replicas").GetArrayLength()));
        var leaders = partitions.Select(p => p.GetProperty("leader").GetInt32()).ToList();
        output.WriteLine($"leaders: {string.Join(",", leaders)}");

        await console.GoAsync($"#/topics/{topic}/tail");
        await console.Page.WaitForSelectorAsync("[data-testid=tail-status]:text('live')", new PageWaitForSelectorOptions { Timeout = 15_000 });
        for (var partition = 0; partition < 3; partition++)
        {
            var value = $"from-kcat-{partition}";
            var produce = await ExternalProcess.RunAsync("kcat",
                ["-b", cluster.Bootstrap, "-t", topic, "-p", partition.ToString(CultureInfo.InvariantCulture), "-P", "-X", "acks=all"], value + "\n");
            Assert.True(produce.ExitCode == 0, ExternalProcess.Describe(produce));
            await console.Page.WaitForSelectorAsync($"[data-testid=tail-rows] tr:has-text('{value}')", new PageWaitForSelectorOptions { Timeout = 2_000 });
        }
        Assert.Equal(3, (await console.TableAsync("tail")).Count);
        output.WriteLine($"screenshot: {await console.ScreenshotAsync("cluster-tail")}");
        Assert.True(console.Errors.Count == 0, string.Join("\n", console.Errors));
    }
}
