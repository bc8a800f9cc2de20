using System.Globalization;
using System.Text;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Admin;

/// <summary><c>runnel top</c> against a broker that kcat wrote to and consumed from as a group.</summary>
public sealed class TopCommandTests
{
    // The first frame has no earlier one to measure a rate from; nothing is written between the two.
    private static readonly string[] Rates = ["-", "0.0"];

    [Fact]
    public async Task Top_shows_brokers_quorum_topics_rates_and_group_lag_frame_after_frame()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "2" }, http: false);
        const string topic = "top-topic";
        const string group = "top-group";
        await ProduceAsync(broker, topic, 5);
        var consume = await ExternalProcess.RunAsync("kcat",
            ["-b", broker.Bootstrap, "-G", group, "-o", "beginning", "-e", "-q", "-X", "auto.offset.reset=earliest", topic], timeout: TimeSpan.FromSeconds(60));
        Assert.True(consume.ExitCode == 0, ExternalProcess.Describe(consume));
        await ProduceAsync(broker, topic, 3);

        var top = await RunnelCli.RunAsync("top", "--bootstrap-server", broker.Bootstrap, "--iterations", "2", "--interval", "1");
        Assert.True(top.ExitCode == 0, ExternalProcess.Describe(top));
        var frames = top.Stdout.Split("runnel top  ", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, frames.Length);
        foreach (var (frame, rate) in frames.Zip(Rates))
        {
            var lines = frame.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
            Assert.Contains("quorum leader 1 epoch 1", frame, StringComparison.Ordinal);
            Assert.Contains(lines, c => c is ["1*", var endpoint, "-", _, _] && endpoint == broker.Bootstrap);
            // 2 partitions, none under-replicated or offline, 8 records, and the produce rate since the frame before.
            Assert.Contains(lines, c => c.SequenceEqual([topic, "2", "0", "0", "8", rate]));
            // kcat committed the 5 it read (of partition 0); 3 more were written since.
            Assert.Contains(lines, c => c.SequenceEqual([group, "Empty", "1", "3"]));
        }
    }

    private static async Task ProduceAsync(BrokerFixture broker, string topic, int count)
    {
        var input = new StringBuilder();
        for (var i = 0; i < count; i++)
            input.Append('v').Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
        var produce = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", topic, "-p", "0", "-P", "-X", "acks=all"], input.ToString(), TimeSpan.FromSeconds(60));
        Assert.True(produce.ExitCode == 0, ExternalProcess.Describe(produce));
    }
}
