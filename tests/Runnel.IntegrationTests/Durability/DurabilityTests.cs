using System.Globalization;
using System.Text;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Durability;

/// <summary>
/// Every acknowledged record survives a clean restart and a kill -9 at the same offset: acks=all because the reply
/// waits for an fsync (group commit), acks=1 because the bytes are in the OS page cache, which outlives the process
/// (not a power loss; the README says so).
/// </summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task Clean_restart_keeps_every_record_at_its_offset()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "2" });
        await ProduceAsync(broker.Bootstrap, "restart", 20_000, "1");
        var before = await ConsumeAsync(broker.Bootstrap, "restart");
        await broker.RestartAsync();
        var after = await ConsumeAsync(broker.Bootstrap, "restart");
        Assert.Equal(20_000, before.Count);
        Assert.Equal(before, after);
    }

    [Theory]
    [InlineData("all")]
    [InlineData("1")]
    public async Task Kill_9_keeps_every_acknowledged_record(string acks)
    {
        await using var broker = await BrokerProcess.StartAsync();
        await ProduceAsync(broker.Bootstrap, "killed", 30_000, acks);
        var before = await ConsumeAsync(broker.Bootstrap, "killed");
        await broker.KillAsync();
        await broker.RestartAsync();
        var after = await ConsumeAsync(broker.Bootstrap, "killed");
        Assert.Equal(30_000, before.Count);
        Assert.Equal(before, after);
        // And the log takes appends after recovery, at the next offset.
        await ProduceAsync(broker.Bootstrap, "killed", 10, acks);
        Assert.Equal(30_010, (await ConsumeAsync(broker.Bootstrap, "killed")).Count);
    }

    /// <summary>kcat exits 0 only once every record was acknowledged with the given acks.</summary>
    private static async Task ProduceAsync(string bootstrap, string topic, int count, string acks)
    {
        var input = new StringBuilder();
        for (var i = 0; i < count; i++)
            input.Append('k').Append(i % 31).Append(':').Append(i).Append('\n');
        var result = await ExternalProcess.RunAsync("kcat", ["-b", bootstrap, "-t", topic, "-P", "-K:", "-X", $"acks={acks}", "-X", "linger.ms=5"],
            input.ToString(), TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, ExternalProcess.Describe(result));
    }

    /// <summary>(partition, offset, value) of every record, in partition and offset order.</summary>
    private static async Task<List<(int Partition, long Offset, string Value)>> ConsumeAsync(string bootstrap, string topic)
    {
        var result = await ExternalProcess.RunAsync("kcat", ["-b", bootstrap, "-t", topic, "-C", "-e", "-o", "beginning", "-f", "%p %o %s\\n"],
            timeout: TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, ExternalProcess.Describe(result));
        return result.Lines.Select(l => l.Split(' '))
            .Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), long.Parse(p[1], CultureInfo.InvariantCulture), p[2]))
            .OrderBy(r => r.Item1).ThenBy(r => r.Item2).ToList();
    }
}
