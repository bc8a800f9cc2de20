using System.Diagnostics;
using System.Globalization;
using Runnel.IntegrationTests.Fixtures;
using Runnel.IntegrationTests.KafkaPython;
using Xunit.Abstractions;

namespace Runnel.IntegrationTests.Groups;

/// <summary>Three kafka-python members of one group over a 6-partition topic: assignment, a clean leave, a crash.</summary>
public sealed class KafkaPythonGroupTests(ITestOutputHelper output)
{
    private const int Partitions = 6;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Members_share_the_partitions_move_them_on_leave_and_on_crash_and_skip_no_record()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string>
        {
            ["num.partitions"] = Partitions.ToString(CultureInfo.InvariantCulture),
            ["group.min.session.timeout.ms"] = "500",
        });
        const string topic = "py-group", group = "py-group-members";
        await Produce(broker, topic, 0, 300);

        await using var a = Member(broker, topic, group, "a");
        await using var b = Member(broker, topic, group, "b");
        await using var c = Member(broker, topic, group, "c");
        await WaitForCoverage([a, b, c], "three members share the partitions");
        Assert.All(new[] { a, b, c }, m => Assert.NotEmpty(LatestAssignment(m)!));

        await Produce(broker, topic, 300, 300);
        var clock = Stopwatch.StartNew();
        await b.StopAsync(Bound);
        await WaitForCoverage([a, c], "two members cover everything after one left");
        output.WriteLine($"after a clean leave the others covered every partition in {clock.ElapsedMilliseconds} ms");

        await Produce(broker, topic, 600, 300);
        clock.Restart();
        c.Kill();
        await WaitForCoverage([a], "the survivor took the crashed member's partitions");
        output.WriteLine($"after a crash the survivor covered every partition in {clock.ElapsedMilliseconds} ms (session timeout 3000 ms)");

        await Produce(broker, topic, 900, 300);
        await ClientProcess.WaitUntilAsync([a], () => Consumed([a, b, c]).Count == 1200, Bound, "every record");
        Assert.Equal(Enumerable.Range(0, 1200), Consumed([a, b, c]).Order());
    }

    private static ClientProcess Member(BrokerFixture broker, string topic, string group, string name)
        => ClientProcess.Start(name, "/usr/bin/python3",
            [Path.Combine(AppContext.BaseDirectory, "Scripts", "python", "group_member.py"), broker.Bootstrap, topic, group, "3000"]);

    private static async Task Produce(BrokerFixture broker, string topic, int first, int count)
    {
        var file = Path.Combine(broker.DataDir, $"records-{first}.txt");
        await File.WriteAllLinesAsync(file, Enumerable.Range(first, count).Select(i => $"k{i}:{i}"));
        await Python.RunAsync("produce_file.py", broker.Bootstrap, topic, file);
    }

    /// <summary>The member's current assignment: the last "assigned" line, or null before its first.</summary>
    private static int[]? LatestAssignment(ClientProcess member)
    {
        var line = member.Lines.LastOrDefault(l => l.StartsWith("assigned", StringComparison.Ordinal));
        return line is null ? null : [.. line["assigned".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
    }

    /// <summary>Waits until the members' latest assignments are disjoint and cover every partition.</summary>
    private static Task WaitForCoverage(ClientProcess[] members, string what)
        => ClientProcess.WaitUntilAsync(members, () =>
        {
            var assignments = members.Select(LatestAssignment).ToList();
            var all = assignments.SelectMany(a => a ?? []).ToList();
            return assignments.All(a => a is not null) && all.Count == Partitions && all.Distinct().Count() == Partitions;
        }, Bound, what);

    private static HashSet<int> Consumed(ClientProcess[] members)
        => [.. members.SelectMany(m => m.Lines).Where(l => l.StartsWith("record ", StringComparison.Ordinal))
            .Select(l => int.Parse(l.Split(' ')[3].Split(':')[^1], CultureInfo.InvariantCulture))];
}
