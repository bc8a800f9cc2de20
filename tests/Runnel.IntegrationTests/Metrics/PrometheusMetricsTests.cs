using System.Globalization;
using System.Text;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Metrics;

/// <summary>
/// /metrics under real clients: the scrape passes promtool, the per-topic and per-API counters move as kcat produces
/// and consumes, and the consumer lag series equal what <c>runnel group describe</c> reports.
/// </summary>
public sealed class PrometheusMetricsTests
{
    [Fact]
    public async Task A_scrape_parses_with_promtool_and_its_counters_follow_kcat()
    {
        await using var broker = await BrokerFixture.StartAsync(http: true);
        const string topic = "metrics-counters";
        await ProduceAsync(broker, topic, 200);
        var first = await PrometheusScrape.TakeAsync(broker);
        await first.CheckWithPromtoolAsync();
        Assert.Equal(200, first.Value("kafka_server_brokertopicmetrics_messagesin_total", ("topic", topic)));
        var bytesIn = first.Value("kafka_server_brokertopicmetrics_bytesin_total", ("topic", topic));
        Assert.True(bytesIn > 200 * 5, $"bytes in: {bytesIn}");
        Assert.True(first.Value("kafka_network_requestmetrics_requests_total", ("request", "Produce")) >= 1);
        Assert.True(first.Value("kafka_network_requestmetrics_totaltime_seconds_count", ("request", "Produce")) >= 1);
        Assert.Equal(1, first.Value("kafka_controller_kafkacontroller_activecontrollercount"));
        Assert.Equal(200, first.Value("kafka_log_log_logendoffset", ("topic", topic), ("partition", "0")));
        Assert.True(first.Value("kafka_log_log_size_bytes", ("topic", topic), ("partition", "0")) >= bytesIn);
        Assert.NotNull(first.Value("dotnet_process_cpu_time_seconds_total"));
        Assert.Null(first.Value("kafka_server_brokertopicmetrics_bytesout_total", ("topic", topic)));

        var consume = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", topic, "-C", "-e", "-o", "beginning"], timeout: TimeSpan.FromSeconds(60));
        Assert.True(consume.ExitCode == 0, ExternalProcess.Describe(consume));
        await ProduceAsync(broker, topic, 50);
        var second = await PrometheusScrape.TakeAsync(broker);
        await second.CheckWithPromtoolAsync();
        Assert.Equal(250, second.Value("kafka_server_brokertopicmetrics_messagesin_total", ("topic", topic)));
        Assert.True(second.Value("kafka_server_brokertopicmetrics_bytesout_total", ("topic", topic)) >= bytesIn);
        Assert.True(second.Value("kafka_network_requestmetrics_requests_total", ("request", "Fetch")) >= 1);
        Assert.True(second.Value("kafka_network_requestmetrics_requests_total", ("request", "Produce")) > first.Value("kafka_network_requestmetrics_requests_total", ("request", "Produce")));
    }

    [Fact]
    public async Task Consumer_lag_series_equal_group_describe()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "2" }, http: true);
        const string topic = "metrics-lag";
        const string group = "metrics-lag-group";
        // Records in both partitions, so that the group commits both (kcat commits only partitions it read from).
        await ProduceAsync(broker, topic, 20, partition: 0);
        await ProduceAsync(broker, topic, 20, partition: 1);
        // A group consumes all 40 and commits (kcat's balanced consumer commits what it read when it exits at the end).
        var consume = await ExternalProcess.RunAsync("kcat",
            ["-b", broker.Bootstrap, "-G", group, "-o", "beginning", "-e", "-X", "auto.offset.reset=earliest", topic], timeout: TimeSpan.FromSeconds(60));
        Assert.True(consume.ExitCode == 0, ExternalProcess.Describe(consume));
        await ProduceAsync(broker, topic, 10, partition: 0);
        await ProduceAsync(broker, topic, 20, partition: 1);

        var (rows, total) = await RunnelCli.DescribeGroupAsync(broker.Bootstrap, group);
        Assert.True(total == 30, $"total lag {total}: {string.Join("; ", rows.Select(r => $"{r.Key} {r.Value}"))}; kcat: {ExternalProcess.Describe(consume)}");
        var scrape = await PrometheusScrape.TakeAsync(broker);
        await scrape.CheckWithPromtoolAsync();
        foreach (var ((rowTopic, partition), (_, _, lag)) in rows)
        {
            var labels = new[] { ("group", group), ("topic", rowTopic), ("partition", partition.ToString(CultureInfo.InvariantCulture)) };
            Assert.Equal(lag, scrape.Value("kafka_consumergroup_lag", labels));
            var seconds = scrape.Value("kafka_consumergroup_lag_seconds", labels);
            Assert.True(lag == 0 ? seconds == 0 : seconds > 0, $"lag {lag} records, {seconds} s");
        }
        Assert.Equal(2, rows.Count);
        Assert.Equal((40L, 70L, 10L), (rows[(topic, 0)].Committed + rows[(topic, 1)].Committed, rows[(topic, 0)].End + rows[(topic, 1)].End, rows[(topic, 0)].Lag));
        // The CLI's lag table: the same records, and seconds behind for the partitions with lag.
        var table = await RunnelCli.RunAsync("group", "lag", group, "--bootstrap-server", broker.Bootstrap);
        Assert.True(table.ExitCode == 0, ExternalProcess.Describe(table));
        var lagRows = table.Lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(c => c.Length == 8 && c[0] == group).ToList();
        Assert.Equal(2, lagRows.Count);
        Assert.All(lagRows, c => Assert.Equal(rows[(c[1], int.Parse(c[2], CultureInfo.InvariantCulture))].Lag, long.Parse(c[5], CultureInfo.InvariantCulture)));
        Assert.All(lagRows, c => Assert.True(double.Parse(c[6], CultureInfo.InvariantCulture) > 0, string.Join(' ', c)));
        // One observation with lag cannot tell a status yet.
        Assert.All(lagRows, c => Assert.Equal("-", c[7]));
        // Each partition's only commit left no lag: OK.
        Assert.Equal(0, scrape.Value("kafka_consumergroup_status", ("group", group)));
        Assert.Equal(1, scrape.Value("kafka_coordinator_group_groupmetadatamanager_numgroups", ("state", "Empty")));
    }

    private static async Task ProduceAsync(BrokerFixture broker, string topic, int count, int partition = -1)
    {
        var input = new StringBuilder();
        for (var i = 0; i < count; i++)
            input.Append("value-").Append(i).Append('\n');
        var produce = await ExternalProcess.RunAsync("kcat",
            ["-b", broker.Bootstrap, "-t", topic, "-p", partition.ToString(CultureInfo.InvariantCulture), "-P", "-X", "acks=all"], input.ToString(), TimeSpan.FromSeconds(60));
        Assert.True(produce.ExitCode == 0, ExternalProcess.Describe(produce));
    }
}
