using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Admin;

/// <summary>One replica's bytes on disk, as its broker reports it (DescribeLogDirs).</summary>
public sealed record ReplicaSize(int BrokerId, string LogDir, TopicPartition Partition, long SizeBytes);

public sealed partial class RunnelAdminClient
{
    /// <summary>
    /// The size on disk of every replica in every log directory of every broker (DescribeLogDirs with a null topic
    /// list, as kafka-log-dirs --describe asks). A broker that cannot be reached or refuses is left out.
    /// </summary>
    public async Task<IReadOnlyList<ReplicaSize>> DescribeReplicaSizesAsync(CancellationToken cancellationToken = default)
    {
        var metadata = await _cluster.RefreshAsync(topics: [], allowAutoCreate: false, cancellationToken).ConfigureAwait(false);
        var replies = metadata.Brokers.Keys.Select(async nodeId =>
        {
            try
            {
                var connection = await _cluster.NodeAsync(nodeId, cancellationToken).ConfigureAwait(false);
                var response = await connection.SendAsync<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, new DescribeLogDirsRequest { Topics = null }, cancellationToken)
                    .ConfigureAwait(false);
                return (nodeId, (DescribeLogDirsResponse?)response);
            }
            catch (RunnelException e) when (e is not UnsupportedApiException)
            {
                return (nodeId, (DescribeLogDirsResponse?)null);
            }
        }).ToList();
        var sizes = new List<ReplicaSize>();
        foreach (var (nodeId, response) in await Task.WhenAll(replies).ConfigureAwait(false))
        {
            foreach (var dir in response?.Results.Where(r => r.ErrorCode == 0) ?? [])
            {
                sizes.AddRange(dir.Topics.SelectMany(t => t.Partitions.Where(p => !p.IsFutureKey)
                    .Select(p => new ReplicaSize(nodeId, dir.LogDir, new TopicPartition(t.Name, p.PartitionIndex), p.PartitionSize))));
            }
        }
        return sizes;
    }
}
