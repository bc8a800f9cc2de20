using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Kcat;

public sealed class KcatMetadataTests
{
    [Fact]
    public async Task Kcat_lists_broker_and_auto_created_topic()
    {
        await using var broker = await BrokerFixture.StartAsync();
        var result = await ExternalProcess.RunAsync("kcat", ["-b", broker.Bootstrap, "-L", "-t", "kcat-meta", "-J"]);
        Assert.True(result.ExitCode == 0, ExternalProcess.Describe(result));
        using var json = System.Text.Json.JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("brokers").GetArrayLength());
        var topic = root.GetProperty("topics")[0];
        Assert.Equal("kcat-meta", topic.GetProperty("topic").GetString());
        Assert.Equal(1, topic.GetProperty("partitions").GetArrayLength());
        Assert.Equal(1, topic.GetProperty("partitions")[0].GetProperty("leader").GetInt32());
    }
}
