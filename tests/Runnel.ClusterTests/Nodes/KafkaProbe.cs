using System.Buffers.Binary;
using System.Net.Sockets;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.ClusterTests.Nodes;

/// <summary>
/// One-request Kafka connections from the test process, for what the Kafka client does not expose: which APIs a node
/// advertises and who leads the metadata quorum. Every call is bounded and answers null when the node does not answer
/// (a cut or paused node is an expected state here, not an error).
/// </summary>
internal static class KafkaProbe
{
    /// <summary>One partition in a node's metadata answer.</summary>
    public sealed record PartitionState(int Partition, short Error, int Leader, int LeaderEpoch, int[] Replicas, int[] Isr)
    {
        public override string ToString() => $"p{Partition}: leader {Leader} epoch {LeaderEpoch} isr [{string.Join(',', Isr)}]";
    }

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The quorum's leader and epoch as <paramref name="endpoint"/> sees them (a follower answers NOT_LEADER naming
    /// them); null when it does not answer or knows no leader.
    /// </summary>
    public static async Task<(int Leader, int Epoch)?> QuorumLeaderAsync(string endpoint)
    {
        var response = await RequestAsync<DescribeQuorumResponse>(endpoint, ApiKey.DescribeQuorum, 2, new DescribeQuorumRequest
        {
            Topics = [new() { TopicName = "__cluster_metadata", Partitions = [new() { PartitionIndex = 0 }] }],
        });
        var partition = response?.Topics.SelectMany(t => t.Partitions).FirstOrDefault();
        return partition is { LeaderId: >= 0 } ? (partition.LeaderId, partition.LeaderEpoch) : null;
    }

    /// <summary>
    /// <paramref name="topic"/>'s partitions as <paramref name="endpoint"/>'s metadata image has them (leader, leader
    /// epoch, replicas, ISR), by partition; null when the node does not answer or does not know the topic.
    /// </summary>
    public static async Task<IReadOnlyList<PartitionState>?> PartitionsAsync(string endpoint, string topic)
    {
        var response = await RequestAsync<MetadataResponse>(endpoint, ApiKey.Metadata, 12, new MetadataRequest
        {
            Topics = [new() { Name = topic }],
            AllowAutoTopicCreation = false,
        });
        var described = response?.Topics.SingleOrDefault(t => t.Name == topic);
        if (described is null || described.ErrorCode != 0)
            return null;
        return [.. described.Partitions.OrderBy(p => p.PartitionIndex)
            .Select(p => new PartitionState(p.PartitionIndex, p.ErrorCode, p.LeaderId, p.LeaderEpoch, [.. p.ReplicaNodes], [.. p.IsrNodes]))];
    }

    /// <summary>Whether <paramref name="endpoint"/> lists <paramref name="key"/> in ApiVersions; null when it does not answer.</summary>
    public static async Task<bool?> AdvertisesAsync(string endpoint, ApiKey key)
    {
        var response = await RequestAsync<ApiVersionsResponse>(endpoint, ApiKey.ApiVersions, 3, new ApiVersionsRequest
        {
            ClientSoftwareName = "runnel-cluster-tests",
            ClientSoftwareVersion = "1",
        });
        return response is { ErrorCode: 0 } ? response.ApiKeys.Any(k => k.ApiKey == (short)key) : null;
    }

    private static async Task<TResponse?> RequestAsync<TResponse>(string endpoint, ApiKey key, short version, IKafkaMessage body)
        where TResponse : class, IKafkaMessage, new()
    {
        var colon = endpoint.LastIndexOf(':');
        using var cancel = new CancellationTokenSource(Timeout);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), cancel.Token);
            var stream = client.GetStream();
            using (var writer = new KafkaWriter())
            {
                Framing.WriteRequest(writer, new RequestHeader { RequestApiKey = (short)key, RequestApiVersion = version, CorrelationId = 1, ClientId = "runnel-cluster-tests" }, body);
                await stream.WriteAsync(writer.WrittenMemory, cancel.Token);
            }
            var prefix = new byte[4];
            await stream.ReadExactlyAsync(prefix, cancel.Token);
            var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
            await stream.ReadExactlyAsync(frame, cancel.Token);
            var reader = new KafkaReader(frame);
            new ResponseHeader().Read(ref reader, Framing.ResponseHeaderVersion((short)key, version));
            var response = new TResponse();
            response.Read(ref reader, version);
            return reader.Failed ? null : response;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or EndOfStreamException)
        {
            return null;
        }
    }
}
