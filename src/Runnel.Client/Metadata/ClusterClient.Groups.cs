using Runnel.Client.Network;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Metadata;

/// <summary>Group coordinators and committed offsets, shared by the group consumer and the admin client.</summary>
internal sealed partial class ClusterClient
{
    private readonly Dictionary<string, int> _coordinators = new(StringComparer.Ordinal);

    /// <summary>The connection to <paramref name="groupId"/>'s coordinator, found with FindCoordinator and remembered.</summary>
    public async Task<BrokerConnection> CoordinatorAsync(string groupId, CancellationToken cancellationToken)
    {
        int nodeId;
        lock (_coordinators)
        {
            if (!_coordinators.TryGetValue(groupId, out nodeId))
                nodeId = -1;
        }
        if (nodeId < 0)
        {
            var any = await AnyAsync(cancellationToken).ConfigureAwait(false);
            var version = any.Versions.Negotiate(ApiKey.FindCoordinator);
            var request = new FindCoordinatorRequest { Key = groupId, KeyType = 0, CoordinatorKeys = [groupId] };
            var response = await any.SendAsync<FindCoordinatorResponse>(ApiKey.FindCoordinator, request, cancellationToken, version).ConfigureAwait(false);
            var (error, message, node) = version >= 4 && response.Coordinators.Count > 0
                ? (response.Coordinators[0].ErrorCode, response.Coordinators[0].ErrorMessage, response.Coordinators[0].NodeId)
                : (response.ErrorCode, response.ErrorMessage, response.NodeId);
            RunnelException.ThrowIfError(error, $"Finding the coordinator of group '{groupId}'", message);
            nodeId = node;
            lock (_coordinators)
                _coordinators[groupId] = nodeId;
        }
        return await NodeAsync(nodeId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets the group's coordinator after NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE, so the next call looks again.</summary>
    public void ForgetCoordinator(string groupId)
    {
        lock (_coordinators)
            _coordinators.Remove(groupId);
    }

    /// <summary>The group's committed offsets: of <paramref name="partitions"/>, or of every partition it committed when null. -1 means none.</summary>
    public async Task<Dictionary<TopicPartition, long>> FetchCommittedAsync(string groupId, IReadOnlyCollection<TopicPartition>? partitions, CancellationToken cancellationToken)
    {
        var connection = await CoordinatorAsync(groupId, cancellationToken).ConfigureAwait(false);
        var version = connection.Versions.Negotiate(ApiKey.OffsetFetch);
        var topics = partitions?.GroupBy(p => p.Topic).ToList();
        var request = new OffsetFetchRequest
        {
            GroupId = groupId,
            Topics = topics?.Select(t => new OffsetFetchRequest.OffsetFetchRequestTopic { Name = t.Key, PartitionIndexes = [.. t.Select(p => p.Partition)] }).ToList(),
            Groups = [new OffsetFetchRequest.OffsetFetchRequestGroup
            {
                GroupId = groupId,
                Topics = topics?.Select(t => new OffsetFetchRequest.OffsetFetchRequestTopics { Name = t.Key, PartitionIndexes = [.. t.Select(p => p.Partition)] }).ToList(),
            }],
        };
        var response = await connection.SendAsync<OffsetFetchResponse>(ApiKey.OffsetFetch, request, cancellationToken, version).ConfigureAwait(false);
        var result = new Dictionary<TopicPartition, long>();
        if (version >= 8)
        {
            var group = response.Groups.Single();
            RunnelException.ThrowIfError(group.ErrorCode, $"Fetching the offsets of group '{groupId}'");
            foreach (var topic in group.Topics)
            {
                foreach (var p in topic.Partitions)
                {
                    RunnelException.ThrowIfError(p.ErrorCode, $"Fetching the offset of group '{groupId}' for {topic.Name}-{p.PartitionIndex}");
                    result[new TopicPartition(topic.Name, p.PartitionIndex)] = p.CommittedOffset;
                }
            }
            return result;
        }
        RunnelException.ThrowIfError(response.ErrorCode, $"Fetching the offsets of group '{groupId}'");
        foreach (var topic in response.Topics)
        {
            foreach (var p in topic.Partitions)
            {
                RunnelException.ThrowIfError(p.ErrorCode, $"Fetching the offset of group '{groupId}' for {topic.Name}-{p.PartitionIndex}");
                result[new TopicPartition(topic.Name, p.PartitionIndex)] = p.CommittedOffset;
            }
        }
        return result;
    }

    /// <summary>
    /// Commits offsets for the group: as a member of <paramref name="generation"/>, or with generation -1 and no
    /// member id as a tool does (accepted only while the group has no members).
    /// </summary>
    public async Task CommitAsync(string groupId, int generation, string memberId, string? groupInstanceId, IReadOnlyDictionary<TopicPartition, long> offsets,
        CancellationToken cancellationToken)
    {
        var connection = await CoordinatorAsync(groupId, cancellationToken).ConfigureAwait(false);
        var request = new OffsetCommitRequest
        {
            GroupId = groupId,
            GenerationIdOrMemberEpoch = generation,
            MemberId = memberId,
            GroupInstanceId = groupInstanceId,
            Topics = [.. offsets.GroupBy(o => o.Key.Topic).Select(t => new OffsetCommitRequest.OffsetCommitRequestTopic
            {
                Name = t.Key,
                Partitions = [.. t.Select(o => new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = o.Key.Partition, CommittedOffset = o.Value })],
            })],
        };
        var response = await connection.SendAsync<OffsetCommitResponse>(ApiKey.OffsetCommit, request, cancellationToken).ConfigureAwait(false);
        foreach (var topic in response.Topics)
        {
            foreach (var p in topic.Partitions)
            {
                if ((ErrorCode)p.ErrorCode is ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable)
                    ForgetCoordinator(groupId);
                RunnelException.ThrowIfError(p.ErrorCode, $"Committing the offset of group '{groupId}' for {topic.Name}-{p.PartitionIndex}");
            }
        }
    }
}
