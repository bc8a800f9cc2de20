using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Admin;

/// <summary>One voter or observer of the metadata quorum as its leader sees it; timestamps are ms since the epoch, -1 unknown.</summary>
public sealed record QuorumReplica(int NodeId, long LogEndOffset, long LastFetchTimestamp, long LastCaughtUpTimestamp);

/// <summary>The metadata quorum (DescribeQuorum, as kafka-metadata-quorum shows it).</summary>
public sealed record QuorumDescription(int LeaderId, int LeaderEpoch, long HighWatermark, IReadOnlyList<QuorumReplica> Voters, IReadOnlyList<QuorumReplica> Observers);

public sealed partial class RunnelAdminClient
{
    /// <summary>
    /// Describes the metadata quorum. Only its leader knows every replica's progress: a node that is not the leader
    /// names it, and the request goes there.
    /// </summary>
    public async Task<QuorumDescription> DescribeQuorumAsync(CancellationToken cancellationToken = default)
    {
        var request = new DescribeQuorumRequest { Topics = [new() { TopicName = "__cluster_metadata", Partitions = [new() { PartitionIndex = 0 }] }] };
        var connection = await _cluster.AnyAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var response = await connection.SendAsync<DescribeQuorumResponse>(ApiKey.DescribeQuorum, request, cancellationToken).ConfigureAwait(false);
            RunnelException.ThrowIfError(response.ErrorCode, "DescribeQuorum", response.ErrorMessage);
            var partition = response.Topics.SelectMany(t => t.Partitions).FirstOrDefault()
                ?? throw new RunnelException("DescribeQuorum returned no partition.");
            if ((ErrorCode)partition.ErrorCode == ErrorCode.NotLeaderOrFollower && partition.LeaderId >= 0 && attempt == 0)
            {
                connection = await _cluster.NodeAsync(partition.LeaderId, cancellationToken).ConfigureAwait(false);
                continue;
            }
            RunnelException.ThrowIfError(partition.ErrorCode, "DescribeQuorum", partition.ErrorMessage);
            static QuorumReplica Of(DescribeQuorumResponse.ReplicaState r) => new(r.ReplicaId, r.LogEndOffset, r.LastFetchTimestamp, r.LastCaughtUpTimestamp);
            return new QuorumDescription(partition.LeaderId, partition.LeaderEpoch, partition.HighWatermark,
                [.. partition.CurrentVoters.Select(Of)], [.. partition.Observers.Select(Of)]);
        }
    }
}
