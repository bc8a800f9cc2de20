using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Client.Admin;

/// <summary>A group as ListGroups reports it.</summary>
public sealed record GroupListing(string GroupId, string ProtocolType, string State);

/// <summary>A member of a group: its ids, where it connects from, and (for consumer groups) its partitions.</summary>
public sealed record GroupMemberDescription(string MemberId, string? GroupInstanceId, string ClientId, string Host, IReadOnlyList<TopicPartition> Assignment);

/// <summary>A group's state, protocol and members (DescribeGroups).</summary>
public sealed record GroupDescription(string GroupId, string State, string ProtocolType, string Protocol, IReadOnlyList<GroupMemberDescription> Members)
{
    /// <summary>Whether the group has members, which blocks deleting it and resetting its offsets.</summary>
    public bool IsActive => Members.Count > 0 || State is "PreparingRebalance" or "CompletingRebalance" or "Stable";
}

/// <summary>Consumer groups: list, describe, committed offsets, offset changes and deletion.</summary>
public sealed partial class RunnelAdminClient
{
    /// <summary>
    /// Every group of every broker, sorted by id. A broker still loading groups (COORDINATOR_LOAD_IN_PROGRESS) is asked
    /// again after retry.backoff.ms, for at most the request timeout, as Kafka's admin client does.
    /// </summary>
    public async Task<IReadOnlyList<GroupListing>> ListGroupsAsync(CancellationToken cancellationToken = default)
    {
        var metadata = await _cluster.RefreshAsync(topics: [], allowAutoCreate: false, cancellationToken).ConfigureAwait(false);
        var groups = new List<GroupListing>();
        foreach (var nodeId in metadata.Brokers.Keys)
        {
            var connection = await _cluster.NodeAsync(nodeId, cancellationToken).ConfigureAwait(false);
            var (time, options) = (_cluster.Time, _cluster.Options);
            var deadline = time.GetTimestamp() + (long)(options.RequestTimeout.TotalSeconds * time.TimestampFrequency);
            var response = await connection.SendAsync<ListGroupsResponse>(ApiKey.ListGroups, new ListGroupsRequest(), cancellationToken).ConfigureAwait(false);
            while ((ErrorCode)response.ErrorCode == ErrorCode.CoordinatorLoadInProgress && time.GetTimestamp() < deadline)
            {
                await Task.Delay(options.RetryBackoff, time, cancellationToken).ConfigureAwait(false);
                response = await connection.SendAsync<ListGroupsResponse>(ApiKey.ListGroups, new ListGroupsRequest(), cancellationToken).ConfigureAwait(false);
            }
            RunnelException.ThrowIfError(response.ErrorCode, $"Listing the groups of broker {nodeId}");
            groups.AddRange(response.Groups.Select(g => new GroupListing(g.GroupId, g.ProtocolType, g.GroupState)));
        }
        return [.. groups.DistinctBy(g => g.GroupId).OrderBy(g => g.GroupId, StringComparer.Ordinal)];
    }

    /// <summary>The group's state and members; a group the coordinator does not know reads as Dead with no members.</summary>
    public async Task<GroupDescription> DescribeGroupAsync(string groupId, CancellationToken cancellationToken = default)
    {
        var group = await _cluster.WithCoordinatorAsync(groupId, async connection =>
        {
            var response = await connection.SendAsync<DescribeGroupsResponse>(ApiKey.DescribeGroups, new DescribeGroupsRequest { Groups = [groupId] }, cancellationToken)
                .ConfigureAwait(false);
            var group = response.Groups.Single();
            return ((ErrorCode)group.ErrorCode, group);
        }, cancellationToken).ConfigureAwait(false);
        if ((ErrorCode)group.ErrorCode == ErrorCode.GroupIdNotFound)
            return new GroupDescription(groupId, "Dead", "", "", []);
        RunnelException.ThrowIfError(group.ErrorCode, $"Describing group '{groupId}'");
        var consumer = group.ProtocolType == ConsumerProtocol.ProtocolType;
        return new GroupDescription(group.GroupId, group.GroupState, group.ProtocolType, group.ProtocolData, [.. group.Members.Select(m =>
            new GroupMemberDescription(m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost, consumer && m.MemberAssignment.Length > 0
                ? [.. (ConsumerProtocol.ReadAssignment(m.MemberAssignment, out _)?.AssignedPartitions ?? []).SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p)))]
                : []))]);
    }

    /// <summary>The group's committed offsets, of every partition it committed.</summary>
    public async Task<IReadOnlyDictionary<TopicPartition, long>> ListGroupOffsetsAsync(string groupId, CancellationToken cancellationToken = default)
        => await _cluster.FetchCommittedAsync(groupId, partitions: null, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sets the group's committed offsets, as a tool does (no generation): the coordinator accepts this only while
    /// the group has no members (UNKNOWN_MEMBER_ID otherwise).
    /// </summary>
    public Task AlterGroupOffsetsAsync(string groupId, IReadOnlyDictionary<TopicPartition, long> offsets, CancellationToken cancellationToken = default)
        => _cluster.CommitAsync(groupId, generation: -1, memberId: "", groupInstanceId: null, offsets, cancellationToken);

    /// <summary>Deletes groups without members, with their committed offsets.</summary>
    public async Task DeleteGroupsAsync(IEnumerable<string> groupIds, CancellationToken cancellationToken = default)
    {
        var results = new List<(string, short, string?)>();
        foreach (var groupId in groupIds)
        {
            var response = await _cluster.WithCoordinatorAsync(groupId, async connection =>
            {
                var response = await connection.SendAsync<DeleteGroupsResponse>(ApiKey.DeleteGroups, new DeleteGroupsRequest { GroupsNames = [groupId] }, cancellationToken)
                    .ConfigureAwait(false);
                return ((ErrorCode)response.Results.Select(r => r.ErrorCode).FirstOrDefault(), response);
            }, cancellationToken).ConfigureAwait(false);
            results.AddRange(response.Results.Select(r => (r.GroupId, r.ErrorCode, (string?)null)));
        }
        ThrowIfAnyFailed(results, "Deleting group");
    }
}
