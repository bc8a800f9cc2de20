using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Groups;

/// <summary>
/// <c>runnel consume --group</c> (the Runnel.Client group consumer), then <c>runnel group</c> reset-offsets in every
/// form on the stopped group, checked through describe (lag = log end - committed), list and delete.
/// </summary>
public sealed class GroupCommandTests
{
    private const string Topic = "reset-topic", Group = "resetters";

    [Fact]
    public async Task Reset_offsets_moves_a_stopped_group_as_asked_and_is_refused_while_it_has_members()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "2" });
        await GroupClientTests.KcatProduce(broker, Topic, 0, 100);
        var consumed = await Cli(broker, "consume", "--topic", Topic, "--group", Group, "--from-beginning", "--exit-at-end", "--format", "%v\\n");
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), consumed.Lines.Order());
        var (rows, total) = await RunnelCli.DescribeGroupAsync(broker.Bootstrap, Group);
        Assert.Equal(0, total);
        var ends = rows.ToDictionary(r => r.Key.Partition, r => r.Value.End);
        Assert.Equal(100, ends.Values.Sum());

        await Cli(broker, "group", "reset-offsets", Group, "--topic", Topic, "--to-earliest", "--dry-run");
        await AssertCommittedAsync(broker, ends, p => ends[p]);
        await Cli(broker, "group", "reset-offsets", Group, "--to-earliest");
        await AssertCommittedAsync(broker, ends, _ => 0);
        await Cli(broker, "group", "reset-offsets", Group, "--topic", Topic, "--to-offset", "10");
        await AssertCommittedAsync(broker, ends, _ => 10);
        await Cli(broker, "group", "--reset-offsets", "--group", Group, "--all-topics", "--shift-by", "-3", "--execute");
        await AssertCommittedAsync(broker, ends, _ => 7);
        await Cli(broker, "group", "reset-offsets", Group, "--topic", $"{Topic}:0", "--to-latest");
        await AssertCommittedAsync(broker, ends, p => p == 0 ? ends[0] : 7);
        await Cli(broker, "group", "reset-offsets", Group, "--to-datetime", "2000-01-01T00:00:00Z");
        await AssertCommittedAsync(broker, ends, _ => 0);
        await Cli(broker, "group", "reset-offsets", Group, "--to-datetime", "2999-01-01T00:00:00Z");
        await AssertCommittedAsync(broker, ends, p => ends[p]);
        await Cli(broker, "group", "reset-offsets", Group, "--to-offset", "1000000");
        await AssertCommittedAsync(broker, ends, p => ends[p]);

        // With a member in the group the reset is refused and nothing moves.
        await using (var member = ClientProcess.Start("member", "/usr/bin/python3",
            [Path.Combine(AppContext.BaseDirectory, "Scripts", "python", "group_member.py"), broker.Bootstrap, Topic, Group, "6000"]))
        {
            await member.WaitUntilAsync(lines => lines.Any(l => l.StartsWith("assigned", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "an assignment");
            var refused = await RunnelCli.RunAsync("group", "reset-offsets", Group, "--to-earliest", "--bootstrap-server", broker.Bootstrap);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("inactive", refused.Stderr, StringComparison.Ordinal);
            var failedDelete = await RunnelCli.RunAsync("group", "delete", Group, "--bootstrap-server", broker.Bootstrap);
            Assert.Contains("NON_EMPTY_GROUP", failedDelete.Stderr, StringComparison.Ordinal);
            await member.StopAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Contains(Group, (await Cli(broker, "group", "list")).Lines);
        Assert.Contains(Group + "  Empty", (await Cli(broker, "group", "--list", "--state")).Lines.Select(l => string.Join("  ", l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
        await Cli(broker, "group", "delete", Group);
        Assert.DoesNotContain(Group, (await Cli(broker, "group", "list")).Lines);
    }

    private static async Task<ProcessResult> Cli(BrokerFixture broker, params string[] args)
    {
        var result = await RunnelCli.RunAsync([.. args, "--bootstrap-server", broker.Bootstrap]);
        Assert.True(result.ExitCode == 0, ExternalProcess.Describe(result));
        return result;
    }

    private static async Task AssertCommittedAsync(BrokerFixture broker, Dictionary<int, long> ends, Func<int, long> expected)
    {
        var (rows, total) = await RunnelCli.DescribeGroupAsync(broker.Bootstrap, Group);
        foreach (var (partition, end) in ends)
        {
            var row = rows[(Topic, partition)];
            Assert.Equal(Math.Min(expected(partition), end), row.Committed);
            Assert.Equal(row.End - row.Committed, row.Lag);
        }
        Assert.Equal(rows.Values.Sum(r => r.Lag), total);
    }
}
