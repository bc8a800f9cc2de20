using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Playwright;
using Runnel.Client;
using Runnel.Client.Admin;
using Runnel.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Runnel.IntegrationTests.WebConsole;

/// <summary>
/// The web console in headless chromium against an in-process broker, with kcat as the outside client: every page
/// renders without console errors, the live tail shows a kcat record within a second, the lag table reads as
/// <c>runnel group describe</c>, a topic created in the console is in kcat's metadata, and a reset's dry run changes
/// no committed offset while the reset itself does. Screenshots are kept in <see cref="ConsoleBrowser.ArtifactsDir"/>.
/// </summary>
public sealed class WebConsoleTests(ConsoleBrowser browser, ITestOutputHelper output) : IClassFixture<ConsoleBrowser>
{
    private const string Topic = "console-orders";
    private const string Group = "console-group";

    [Fact]
    public async Task Every_page_renders_without_console_errors()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "2" }, http: true);
        await ProduceAsync(broker, Topic, ["{\"order\":1,\"items\":[\"tea\",\"milk\"]}", "plain text"], partition: 0, header: "source=kcat");
        await ConsumeAsGroupAsync(broker, Topic, Group);
        await using var console = await browser.OpenAsync(broker.HttpAddress);

        await console.GoAsync("#/");
        Assert.Contains("1", await console.Page.TextContentAsync("[data-testid=card-brokers] .value"));
        Assert.Single(await console.TableAsync("brokers"));
        Assert.Single(await console.TableAsync("quorum"));
        await console.Page.WaitForSelectorAsync("[data-testid=no-alerts]");
        await Keep(console, "overview");

        await console.GoAsync("#/topics");
        Assert.Contains(await console.TableAsync("topics"), r => r[0] == Topic && r[1] == "2" && r[4] == "2");
        await Keep(console, "topics");

        await console.GoAsync($"#/topics/{Topic}");
        var partitions = await console.TableAsync("partitions");
        Assert.Equal(2, partitions.Count);
        Assert.Equal(["0", "1", "0", "1", "1", "-", "0", "2", "2"], partitions[0][..9]);
        Assert.Contains(await console.TableAsync("configs"), r => r[0] == "cleanup.policy" && r[1] == "delete");
        await Keep(console, "topic");

        await console.GoAsync($"#/topics/{Topic}/messages");
        var messages = await console.TableAsync("messages");
        Assert.Equal(2, messages.Count);
        // JSON values are pretty-printed; headers are shown.
        var json = await console.Page.InnerTextAsync("[data-testid=messages] tbody tr:first-child td.value pre");
        Assert.Equal("{\n  \"order\": 1,\n  \"items\": [\n    \"tea\",\n    \"milk\"\n  ]\n}", json);
        Assert.Equal("source: kcat", messages[0][4]);
        Assert.Equal("plain text", messages[1][3]);
        await Keep(console, "messages");

        await console.GoAsync($"#/topics/{Topic}/produce");
        await console.Page.FillAsync("[data-testid=produce-key]", "k1");
        await console.Page.FillAsync("[data-testid=produce-value]", "{\"from\":\"console\"}");
        await console.Page.FillAsync("[data-testid=produce-headers]", "via=browser");
        await console.Page.ClickAsync("[data-testid=produce-submit]");
        await console.Page.WaitForSelectorAsync("[data-testid=produce-result] .notice");
        var consumed = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-C", "-t", Topic, "-e", "-q", "-f", "%k|%s|%h\n"]);
        Assert.True(consumed.ExitCode == 0, ExternalProcess.Describe(consumed));
        Assert.Contains("k1|{\"from\":\"console\"}|via=browser", consumed.Lines);
        await Keep(console, "produce");

        await console.GoAsync($"#/topics/{Topic}/tail");
        await console.Page.WaitForSelectorAsync("[data-testid=tail-status]:text('live')");
        await console.GoAsync("#/groups");
        Assert.Contains(await console.TableAsync("groups"), r => r[0] == Group && r[1] == "Empty");
        await console.GoAsync($"#/groups/{Group}");
        Assert.Single(await console.TableAsync("lag"));
        await Keep(console, "group");

        Assert.True(console.Errors.Count == 0, string.Join("\n", console.Errors));
    }

    [Fact]
    public async Task A_record_from_kcat_appears_in_the_live_tail_within_a_second()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "3" }, http: true);
        await ProduceAsync(broker, Topic, ["before the tail"], partition: 1);
        await using var console = await browser.OpenAsync(broker.HttpAddress);
        await console.GoAsync($"#/topics/{Topic}/tail");
        await console.Page.WaitForSelectorAsync("[data-testid=tail-status]:text('live')", new PageWaitForSelectorOptions { Timeout = 15_000 });

        var latencies = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var value = $"tail-{i}-{Guid.NewGuid():N}";
            await ProduceAsync(broker, Topic, [value], partition: i);
            // From kcat's acknowledged write (it has exited) to the row in the page.
            var clock = Stopwatch.StartNew();
            await console.Page.WaitForSelectorAsync($"[data-testid=tail-rows] tr:has-text('{value}')", new PageWaitForSelectorOptions { Timeout = 1_000 });
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }
        output.WriteLine($"kcat acknowledged -> shown in the tail: {string.Join(", ", latencies.Select(l => l.ToString("0", CultureInfo.InvariantCulture)))} ms");
        var rows = await console.TableAsync("tail");
        // Newest first; the record written before the tail opened is not shown.
        Assert.Equal(3, rows.Count);
        Assert.Equal(["2", "0"], rows[0][..2]);
        Assert.DoesNotContain(rows, r => r[4] == "before the tail");
        await Keep(console, "tail");
        Assert.True(console.Errors.Count == 0, string.Join("\n", console.Errors));
    }

    [Fact]
    public async Task The_lag_table_reads_as_group_describe()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "2" }, http: true);
        await ProduceAsync(broker, Topic, [.. Enumerable.Range(0, 20).Select(i => $"a{i}")], partition: 0);
        await ProduceAsync(broker, Topic, [.. Enumerable.Range(0, 20).Select(i => $"b{i}")], partition: 1);
        await ConsumeAsGroupAsync(broker, Topic, Group);
        await ProduceAsync(broker, Topic, [.. Enumerable.Range(0, 7).Select(i => $"c{i}")], partition: 0);

        var cli = await RunnelCli.RunAsync("group", "describe", Group, "--bootstrap-server", broker.Bootstrap);
        Assert.True(cli.ExitCode == 0, ExternalProcess.Describe(cli));
        // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID LAG-SECONDS STATUS
        var cliRows = cli.Lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(c => c.Length == 11 && c[0] == Group).ToList();
        Assert.Equal(2, cliRows.Count);

        await using var console = await browser.OpenAsync(broker.HttpAddress);
        await console.GoAsync($"#/groups/{Group}");
        // TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID LAG-SECONDS STATUS
        var pageRows = await console.TableAsync("lag");
        await Keep(console, "lag");
        output.WriteLine(cli.Stdout);
        output.WriteLine(string.Join("\n", pageRows.Select(r => string.Join("  ", r))));
        Assert.Equal(cliRows.Count, pageRows.Count);
        foreach (var (c, p) in cliRows.Zip(pageRows))
        {
            Assert.Equal(c[1..9], p[..8]);
            var (cliSeconds, pageSeconds) = (double.Parse(c[9], CultureInfo.InvariantCulture), double.Parse(p[8], CultureInfo.InvariantCulture));
            if (c[5] == "0")
            {
                Assert.Equal((0.0, 0.0), (cliSeconds, pageSeconds));
                Assert.Equal(("OK", "OK"), (c[10], p[9]));
            }
            else
            {
                // The same record's age, measured a little later by the page.
                Assert.InRange(pageSeconds - cliSeconds, 0, 30);
                Assert.True(cliSeconds > 0, string.Join(' ', c));
                // One look at a lagging partition cannot tell a status yet, in either.
                Assert.Equal(("-", "-"), (c[10], p[9]));
            }
        }
        Assert.Equal(("7", "0"), (pageRows[0][4], pageRows[1][4]));
        Assert.Equal("7", await console.Page.TextContentAsync("[data-testid=card-total-lag] .value"));
        Assert.True(console.Errors.Count == 0, string.Join("\n", console.Errors));
    }

    [Fact]
    public async Task A_topic_created_in_the_console_is_in_kcats_metadata_and_deleting_it_removes_it()
    {
        await using var broker = await BrokerFixture.StartAsync(http: true);
        const string created = "made-in-the-console";
        await using var console = await browser.OpenAsync(broker.HttpAddress);
        await console.GoAsync("#/topics");
        await console.Page.FillAsync("[data-testid=new-topic-name]", created);
        await console.Page.FillAsync("[data-testid=new-topic-partitions]", "3");
        await console.Page.ClickAsync("[data-testid=create-topic-submit]");
        // Nothing happens before the confirmation.
        await console.Page.WaitForSelectorAsync("#dialog:not([hidden])");
        Assert.DoesNotContain(created, (await KcatMetadataAsync(broker)).Stdout, StringComparison.Ordinal);
        await console.Page.ClickAsync("[data-testid=confirm-ok]");
        await console.Page.WaitForSelectorAsync($"main[data-loaded=\"#/topics/{created}\"]");
        Assert.Equal(3, (await console.TableAsync("partitions")).Count);

        var metadata = await KcatMetadataAsync(broker);
        Assert.Contains($"topic \"{created}\" with 3 partitions", metadata.Stdout, StringComparison.Ordinal);

        // Deleting asks for the topic's name first.
        await console.Page.ClickAsync("[data-testid=delete-topic]");
        Assert.True(await console.Page.IsDisabledAsync("[data-testid=confirm-ok]"));
        await console.Page.FillAsync("[data-testid=confirm-input]", created);
        await Keep(console, "delete-confirmation");
        await console.Page.ClickAsync("[data-testid=confirm-ok]");
        await console.Page.WaitForSelectorAsync("main[data-loaded=\"#/topics\"]");
        Assert.DoesNotContain($"topic \"{created}\"", (await KcatMetadataAsync(broker)).Stdout, StringComparison.Ordinal);
        Assert.True(console.Errors.Count == 0, string.Join("\n", console.Errors));
    }

    [Fact]
    public async Task A_reset_dry_run_changes_nothing_and_the_reset_moves_the_committed_offsets()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "2" }, http: true);
        await ProduceAsync(broker, Topic, [.. Enumerable.Range(0, 12).Select(i => $"a{i}")], partition: 0);
        await ProduceAsync(broker, Topic, [.. Enumerable.Range(0, 8).Select(i => $"b{i}")], partition: 1);
        await ConsumeAsGroupAsync(broker, Topic, Group);
        var before = await CommittedAsync(broker);
        Assert.Equal([12L, 8L], before);

        await using var console = await browser.OpenAsync(broker.HttpAddress);
        await console.GoAsync($"#/groups/{Group}");
        Assert.True(await console.Page.IsDisabledAsync("[data-testid=reset-apply]"));
        await console.Page.SelectOptionAsync("[data-testid=reset-target]", "shift");
        await console.Page.FillAsync("[data-testid=reset-value]", "-5");
        await console.Page.ClickAsync("[data-testid=reset-dry-run]");
        await console.Page.WaitForSelectorAsync("[data-testid=reset-plan]");
        Assert.Equal([["console-orders", "0", "12", "7"], ["console-orders", "1", "8", "3"]], await console.TableAsync("reset-plan"));
        await Keep(console, "reset-dry-run");
        // The dry run committed nothing: the group's offsets as the coordinator has them, and as the CLI shows them.
        Assert.Equal(before, await CommittedAsync(broker));
        var (rows, _) = await RunnelCli.DescribeGroupAsync(broker.Bootstrap, Group);
        Assert.Equal((12L, 8L), (rows[(Topic, 0)].Committed, rows[(Topic, 1)].Committed));

        await console.Page.ClickAsync("[data-testid=reset-apply]");
        await console.Page.ClickAsync("[data-testid=confirm-ok]");
        await console.Page.WaitForSelectorAsync("[data-testid=reset-done]");
        Assert.Equal([7L, 3L], await CommittedAsync(broker));
        (rows, _) = await RunnelCli.DescribeGroupAsync(broker.Bootstrap, Group);
        Assert.Equal((7L, 3L), (rows[(Topic, 0)].Committed, rows[(Topic, 1)].Committed));
        Assert.True(console.Errors.Count == 0, string.Join("\n", console.Errors));
    }

    private async Task Keep(ConsolePage console, string name) => output.WriteLine($"screenshot: {await console.ScreenshotAsync(name)}");

    private static async Task<List<long>> CommittedAsync(BrokerFixture broker)
    {
        await using var admin = new RunnelAdminClient(new ClientOptions { BootstrapServers = broker.Bootstrap });
        var committed = await admin.ListGroupOffsetsAsync(Group);
        return [.. committed.OrderBy(c => c.Key.Partition).Select(c => c.Value)];
    }

    private static async Task<ProcessResult> KcatMetadataAsync(BrokerFixture broker)
    {
        var result = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-L"]);
        Assert.True(result.ExitCode == 0, ExternalProcess.Describe(result));
        return result;
    }

    private static async Task ProduceAsync(BrokerFixture broker, string topic, IReadOnlyList<string> values, int partition, string? header = null)
    {
        var input = new StringBuilder();
        foreach (var value in values)
            input.Append(value).Append('\n');
        List<string> args = ["-b", broker.Bootstrap, "-t", topic, "-p", partition.ToString(CultureInfo.InvariantCulture), "-P", "-X", "acks=all"];
        if (header is not null)
            args.AddRange(["-H", header]);
        var produce = await ExternalProcess.RunAsync("kcat", args, input.ToString(), TimeSpan.FromSeconds(60));
        Assert.True(produce.ExitCode == 0, ExternalProcess.Describe(produce));
    }

    /// <summary>kcat's balanced consumer reads everything and commits what it read when it exits at the end.</summary>
    private static async Task ConsumeAsGroupAsync(BrokerFixture broker, string topic, string group)
    {
        var consume = await ExternalProcess.RunAsync("kcat",
            ["-b", broker.Bootstrap, "-G", group, "-o", "beginning", "-e", "-q", "-X", "auto.offset.reset=earliest", topic], timeout: TimeSpan.FromSeconds(60));
        Assert.True(consume.ExitCode == 0, ExternalProcess.Describe(consume));
    }
}
