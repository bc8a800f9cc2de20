using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Admin;

/// <summary>Which replica an election may pick (ElectLeaders v1+ election_type).</summary>
public enum ElectionType : sbyte
{
    /// <summary>The first replica, when it is alive and in sync (Kafka's preferred leader).</summary>
    Preferred = 0,

    /// <summary>Any live replica, out of sync if need be, for a partition without a leader (may lose records).</summary>
    Unclean = 1,
}

/// <summary>The outcome for one partition of an election or a reassignment request: Kafka's error (NONE on success) and the broker's message.</summary>
public sealed record PartitionResult(TopicPartition Partition, ErrorCode Error, string? ErrorMessage)
{
    public bool Succeeded => Error == ErrorCode.None;

    /// <summary>Kafka's name of the error (NONE, ELECTION_NOT_NEEDED, INVALID_REPLICA_ASSIGNMENT, …).</summary>
    public string ErrorName => ErrorCodes.Name(Error);

    public override string ToString() => string.IsNullOrEmpty(ErrorMessage) ? $"{Partition}: {ErrorName}" : $"{Partition}: {ErrorName}: {ErrorMessage}";
}

/// <summary>
/// A partition being moved (Kafka's PartitionReassignment): <see cref="Replicas"/> is the full set during the move
/// (the target first, then the replicas leaving), <see cref="AddingReplicas"/> those still catching up and
/// <see cref="RemovingReplicas"/> those that leave once the move completes.
/// </summary>
public sealed record PartitionReassignment(IReadOnlyList<int> Replicas, IReadOnlyList<int> AddingReplicas, IReadOnlyList<int> RemovingReplicas)
{
    /// <summary>Where the partition ends up: the replicas that are not being removed.</summary>
    public IReadOnlyList<int> TargetReplicas => [.. Replicas.Where(r => !RemovingReplicas.Contains(r))];
}

/// <summary>
/// Leader elections and partition reassignments (Kafka's Admin.electLeaders, alterPartitionReassignments,
/// listPartitionReassignments). Any broker takes these requests and forwards them to the active controller. A failure
/// of the whole request (NOT_CONTROLLER, REQUEST_TIMED_OUT, INVALID_REQUEST) throws <see cref="RunnelException"/>;
/// partitions the controller refused come back as results with Kafka's error, the others go ahead.
/// </summary>
public sealed partial class RunnelAdminClient
{
    /// <summary>
    /// Elects leaders: <see cref="ElectionType.Preferred"/> moves leadership to each partition's first replica,
    /// <see cref="ElectionType.Unclean"/> elects any live replica for partitions without a leader. With
    /// <paramref name="partitions"/> null every partition of the cluster is considered and, as in Kafka, those that
    /// need no election are left out of the results; named partitions each get a result (ELECTION_NOT_NEEDED when
    /// the leader is already the one asked for). Results are ordered by topic and partition.
    /// </summary>
    public async Task<IReadOnlyList<PartitionResult>> ElectLeadersAsync(ElectionType electionType, IEnumerable<TopicPartition>? partitions,
        CancellationToken cancellationToken = default)
    {
        var connection = await _cluster.AnyAsync(cancellationToken).ConfigureAwait(false);
        var version = connection.Versions.Negotiate(ApiKey.ElectLeaders);
        if (version == 0 && electionType != ElectionType.Preferred)
            throw new UnsupportedApiException("The broker serves only ElectLeaders v0, which elects preferred leaders only.");
        var request = new ElectLeadersRequest
        {
            ElectionType = (sbyte)electionType,
            TopicPartitions = partitions is null
                ? null
                : [.. partitions.Distinct().GroupBy(p => p.Topic, StringComparer.Ordinal).Select(g => new ElectLeadersRequest.TopicPartitionsData
                {
                    Topic = g.Key,
                    Partitions = [.. g.Select(p => p.Partition)],
                })],
            TimeoutMs = TimeoutMs,
        };
        var response = await connection.SendAsync<ElectLeadersResponse>(ApiKey.ElectLeaders, request, cancellationToken, version).ConfigureAwait(false);
        RunnelException.ThrowIfError(response.ErrorCode, "Electing leaders");
        return Ordered(response.ReplicaElectionResults.SelectMany(t => t.PartitionResult.Select(p =>
            new PartitionResult(new TopicPartition(t.Topic, p.PartitionId), (ErrorCode)p.ErrorCode, p.ErrorMessage))));
    }

    /// <summary>
    /// Starts moving partitions to new replica sets (the first replica becomes the preferred leader), or with a null
    /// list cancels the move in progress (NO_REASSIGNMENT_IN_PROGRESS when there is none). A result of NONE means the
    /// move started, not that it is done: <see cref="ListPartitionReassignmentsAsync"/> lists it until the new
    /// replicas have caught up and the old ones are gone. Refusals are per partition: INVALID_REPLICA_ASSIGNMENT
    /// (empty, duplicate or unknown broker ids), UNKNOWN_TOPIC_OR_PARTITION.
    /// </summary>
    public async Task<IReadOnlyList<PartitionResult>> AlterPartitionReassignmentsAsync(IDictionary<TopicPartition, IReadOnlyList<int>?> reassignments,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reassignments);
        var connection = await _cluster.AnyAsync(cancellationToken).ConfigureAwait(false);
        var request = new AlterPartitionReassignmentsRequest
        {
            TimeoutMs = TimeoutMs,
            Topics = [.. reassignments.GroupBy(r => r.Key.Topic, StringComparer.Ordinal).Select(g => new AlterPartitionReassignmentsRequest.ReassignableTopic
            {
                Name = g.Key,
                Partitions = [.. g.Select(r => new AlterPartitionReassignmentsRequest.ReassignablePartition
                {
                    PartitionIndex = r.Key.Partition,
                    Replicas = r.Value is null ? null : [.. r.Value],
                })],
            })],
        };
        var response = await connection.SendAsync<AlterPartitionReassignmentsResponse>(ApiKey.AlterPartitionReassignments, request, cancellationToken).ConfigureAwait(false);
        RunnelException.ThrowIfError(response.ErrorCode, "Reassigning partitions", response.ErrorMessage);
        return Ordered(response.Responses.SelectMany(t => t.Partitions.Select(p =>
            new PartitionResult(new TopicPartition(t.Name, p.PartitionIndex), (ErrorCode)p.ErrorCode, p.ErrorMessage))));
    }

    /// <summary>
    /// The moves in progress, of the given partitions or (null) of every partition. Partitions not being moved, and
    /// those that do not exist, are not in the answer.
    /// </summary>
    public async Task<IReadOnlyDictionary<TopicPartition, PartitionReassignment>> ListPartitionReassignmentsAsync(IEnumerable<TopicPartition>? partitions = null,
        CancellationToken cancellationToken = default)
    {
        var connection = await _cluster.AnyAsync(cancellationToken).ConfigureAwait(false);
        var request = new ListPartitionReassignmentsRequest
        {
            TimeoutMs = TimeoutMs,
            Topics = partitions is null
                ? null
                : [.. partitions.Distinct().GroupBy(p => p.Topic, StringComparer.Ordinal).Select(g => new ListPartitionReassignmentsRequest.ListPartitionReassignmentsTopics
                {
                    Name = g.Key,
                    PartitionIndexes = [.. g.Select(p => p.Partition)],
                })],
        };
        var response = await connection.SendAsync<ListPartitionReassignmentsResponse>(ApiKey.ListPartitionReassignments, request, cancellationToken).ConfigureAwait(false);
        RunnelException.ThrowIfError(response.ErrorCode, "Listing partition reassignments", response.ErrorMessage);
        return response.Topics
            .SelectMany(t => t.Partitions.Select(p => (Key: new TopicPartition(t.Name, p.PartitionIndex),
                Value: new PartitionReassignment([.. p.Replicas], [.. p.AddingReplicas], [.. p.RemovingReplicas]))))
            .OrderBy(p => p.Key.Topic, StringComparer.Ordinal).ThenBy(p => p.Key.Partition)
            .ToDictionary(p => p.Key, p => p.Value);
    }

    private static List<PartitionResult> Ordered(IEnumerable<PartitionResult> results)
        => [.. results.OrderBy(r => r.Partition.Topic, StringComparer.Ordinal).ThenBy(r => r.Partition.Partition)];
}
