using Runnel.Client.Network;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Metadata;

/// <summary>FindCoordinator's key types.</summary>
internal enum CoordinatorType : sbyte
{
    Group = 0,
    Transaction = 1,
}

/// <summary>Group coordinators and committed offsets, shared by the group consumer and the admin client.</summary>
internal sealed partial class ClusterClient
{
    private readonly Dictionary<(CoordinatorType, string), int> _coordinators = [];

    /// <summary>
    /// The connection to the coordinator of <paramref name="key"/> (a group id, or a transactional id with
    /// <see cref="CoordinatorType.Transaction"/>), found with FindCoordinator and remembered.
    /// </summary>
    public async Task<BrokerConnection> CoordinatorAsync(string key, CancellationToken cancellationToken, CoordinatorType type = CoordinatorType.Group)
    {
        int nodeId;
        lock (_coordinators)
        {
            if (!_coordinators.TryGetValue((type, key), out nodeId))
                nodeId = -1;
        }
        if (nodeId < 0)
        {
            var any = await AnyAsync(cancellationToken).ConfigureAwait(false);
            var version = any.Versions.Negotiate(ApiKey.FindCoordinator);
            var request = new FindCoordinatorRequest { Key = key, KeyType = (sbyte)type, CoordinatorKeys = [key] };
            var response = await any.SendAsync<FindCoordinatorResponse>(ApiKey.FindCoordinator, request, cancellationToken, version).ConfigureAwait(false);
            var (error, message, node) = version >= 4 && response.Coordinators.Count > 0
                ? (response.Coordinators[0].ErrorCode, response.Coordinators[0].ErrorMessage, response.Coordinators[0].NodeId)
                : (response.ErrorCode, response.ErrorMessage, response.NodeId);
            RunnelException.ThrowIfError(error, $"Finding the coordinator of {(type == CoordinatorType.Group ? "group" : "transactional id")} '{key}'", message);
            nodeId = node;
            lock (_coordinators)
                _coordinators[(type, key)] = nodeId;
        }
        return await NodeAsync(nodeId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets a coordinator after NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE, so the next call looks again.</summary>
    public void ForgetCoordinator(string key, CoordinatorType type = CoordinatorType.Group)
    {
        lock (_coordinators)
            _coordinators.Remove((type, key));
    }

    /// <summary>
    /// Sends a request to the group's coordinator until the answer is not a coordinator error, as Kafka's clients do:
    /// after COORDINATOR_LOAD_IN_PROGRESS (the coordinator is still loading the group) the same coordinator is asked
    /// again, after NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE (also from FindCoordinator, e.g. while the offsets topic
    /// is being created) the coordinator is looked up again. Each retry waits retry.backoff.ms, for at most the request
    /// timeout in all. <paramref name="send"/> returns the response with its coordinator-level error; the last response
    /// is returned, for the caller to judge.
    /// </summary>
    public async Task<T> WithCoordinatorAsync<T>(string groupId, Func<BrokerConnection, Task<(ErrorCode Error, T Response)>> send, CancellationToken cancellationToken,
        CoordinatorType type = CoordinatorType.Group)
    {
        var deadline = _time.GetTimestamp() + (long)(_options.RequestTimeout.TotalSeconds * _time.TimestampFrequency);
        while (true)
        {
            var last = _time.GetTimestamp() >= deadline;
            try
            {
                var (error, response) = await send(await CoordinatorAsync(groupId, cancellationToken, type).ConfigureAwait(false)).ConfigureAwait(false);
                if (!IsCoordinatorError(error) || last)
                    return response;
                if (error != ErrorCode.CoordinatorLoadInProgress)
                    ForgetCoordinator(groupId, type);
            }
            catch (RunnelException e) when (IsCoordinatorError(e.ErrorCode) && !last)
            {
                ForgetCoordinator(groupId, type);
            }
            await Task.Delay(_options.RetryBackoff, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsCoordinatorError(ErrorCode error)
        => error is ErrorCode.CoordinatorLoadInProgress or ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable;

    /// <summary>The group's committed offsets: of <paramref name="partitions"/>, or of every partition it committed when null. -1 means none.</summary>
    public async Task<Dictionary<TopicPartition, long>> FetchCommittedAsync(string groupId, IReadOnlyCollection<TopicPartition>? partitions, CancellationToken cancellationToken)
    {
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
        var (version, response) = await WithCoordinatorAsync(groupId, async connection =>
        {
            var version = connection.Versions.Negotiate(ApiKey.OffsetFetch);
            var response = await connection.SendAsync<OffsetFetchResponse>(ApiKey.OffsetFetch, request, cancellationToken, version).ConfigureAwait(false);
            // v0-1 carry the group's error on every partition asked for, v2-7 at the top, v8+ per group.
            var error = version >= 8 ? response.Groups.Single().ErrorCode
                : version >= 2 ? response.ErrorCode
                : response.Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode).FirstOrDefault();
            return ((ErrorCode)error, (version, response));
        }, cancellationToken).ConfigureAwait(false);
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
        var response = await WithCoordinatorAsync(groupId, async connection =>
        {
            var response = await connection.SendAsync<OffsetCommitResponse>(ApiKey.OffsetCommit, request, cancellationToken).ConfigureAwait(false);
            return (response.Topics.SelectMany(t => t.Partitions).Select(p => (ErrorCode)p.ErrorCode).FirstOrDefault(IsCoordinatorError), response);
        }, cancellationToken).ConfigureAwait(false);
        foreach (var topic in response.Topics)
        {
            foreach (var p in topic.Partitions)
                RunnelException.ThrowIfError(p.ErrorCode, $"Committing the offset of group '{groupId}' for {topic.Name}-{p.PartitionIndex}");
        }
    }
}
