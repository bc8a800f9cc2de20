using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Quorum;

/// <summary>A data directory from before the metadata quorum keeps its topics: runnel-metadata.json is imported once.</summary>
public sealed class LegacyMetadataImportTests
{
    [Fact]
    public async Task Topics_of_the_old_json_file_are_imported_with_their_ids_and_configs()
    {
        var dir = Path.Combine(Path.GetTempPath(), "runnel-legacy-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var id = Guid.NewGuid();
        await File.WriteAllTextAsync(Path.Combine(dir, "runnel-metadata.json"),
            $$$"""{"Topics":[{"Name":"old","Id":"{{{id}}}","Partitions":2,"Configs":{"retention.ms":"777"}}],"BrokerConfigs":{"log.retention.ms":"888"}}""");
        await using var broker = await BrokerProcess.StartAsync(dir);
        var topics = await QuorumRequests.TopicsAsync(broker.Bootstrap);
        Assert.Equal((id, 2), topics["old"]);
        Assert.True(File.Exists(Path.Combine(dir, "runnel-metadata.json.imported")));
        Assert.False(File.Exists(Path.Combine(dir, "runnel-metadata.json")));
        await broker.RestartAsync();
        Assert.Equal((id, 2), (await QuorumRequests.TopicsAsync(broker.Bootstrap))["old"]);
        await using var connection = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var configs = await connection.RequestAsync<DescribeConfigsResponse>(ApiKey.DescribeConfigs, 4, new DescribeConfigsRequest
        {
            Resources = [new() { ResourceType = 2, ResourceName = "old", ConfigurationKeys = ["retention.ms"] }, new() { ResourceType = 4, ResourceName = "", ConfigurationKeys = ["log.retention.ms"] }],
        });
        Assert.Equal("777", Assert.Single(configs.Results[0].Configs).Value);
        Assert.Equal("888", Assert.Single(configs.Results[1].Configs).Value);
    }
}
