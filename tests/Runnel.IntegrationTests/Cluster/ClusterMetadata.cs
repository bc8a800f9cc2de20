using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Cluster;

/// <summary>A topic's partitions as a node's Metadata answer describes them.</summary>
internal static class ClusterMetadata
{
    public sealed record PartitionView(int Partition, short Error, int Leader, int LeaderEpoch, int[] Replicas, int[] Isr, int[] Offline);

    public static async Task<IReadOnlyList<PartitionView>> PartitionsAsync(string bootstrap, string topic)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(bootstrap);
        var metadata = await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest { Topics = [new() { Name = topic }], AllowAutoTopicCreation = false });
        var described = Assert.Single(metadata.Topics);
        return [.. described.Partitions.OrderBy(p => p.PartitionIndex).Select(p => new PartitionView(p.PartitionIndex, p.ErrorCode, p.LeaderId, p.LeaderEpoch,
            [.. p.ReplicaNodes], [.. p.IsrNodes], [.. p.OfflineReplicas]))];
    }

    /// <summary>Polls (every 50 ms, bounded) until the partitions satisfy <paramref name="condition"/>.</summary>
    public static Task<IReadOnlyList<PartitionView>> UntilAsync(string bootstrap, string topic, Func<IReadOnlyList<PartitionView>, bool> condition, TimeSpan timeout, string what)
        => Quorum.QuorumRequests.UntilAsync(async () =>
        {
            try
            {
                return await PartitionsAsync(bootstrap, topic);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                return null;
            }
        }, condition, timeout, what);
}
