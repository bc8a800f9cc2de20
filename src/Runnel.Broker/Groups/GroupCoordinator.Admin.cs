using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Groups;

/// <summary>DescribeGroups, ListGroups and DeleteGroups.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>Group operations (read, delete, describe) as an ACL bit set, for DescribeGroups v3+.</summary>
    public const int AllGroupOperations = (1 << 3) | (1 << 6) | (1 << 8);

    /// <summary>
    /// A group's state, protocol and members with client ids and hosts. Member metadata and assignments are only
    /// meaningful, and only given, while the group is Stable. An unknown group reads as Dead, as Kafka reports it; a
    /// group this node does not serve now has the error (see <see cref="Locate"/>) and an empty state.
    /// </summary>
    public DescribeGroupsResponse.DescribedGroup Describe(string groupId)
    {
        var status = Locate(groupId, out var owner);
        if (status != ErrorCode.None)
            return new DescribeGroupsResponse.DescribedGroup { GroupId = groupId, ErrorCode = (short)status };
        var described = new DescribeGroupsResponse.DescribedGroup { GroupId = groupId, GroupState = GroupState.Dead.Name() };
        if (owner.Groups.GetValueOrDefault(groupId) is not { } group)
            return described;
        lock (group)
        {
            if (group.Consumer is { } consumer)
            {
                // Kafka's ConsumerGroup.asDescribedGroup for DescribeGroups: the consumer protocol, its state, no member data.
                described.GroupState = consumer.StateName;
                described.ProtocolType = ConsumerProtocol.ProtocolType;
                described.ProtocolData = "";
                described.Members = [.. consumer.Members.Select(m => new DescribeGroupsResponse.DescribedGroupMember
                {
                    MemberId = m.MemberId,
                    GroupInstanceId = m.InstanceId,
                    ClientId = m.ClientId,
                    ClientHost = m.ClientHost,
                    MemberMetadata = [],
                    MemberAssignment = [],
                })];
                return described;
            }
            var stable = group.Is(GroupState.Stable);
            described.GroupState = group.State.Name();
            described.ProtocolType = group.ProtocolType ?? "";
            described.ProtocolData = stable ? group.ProtocolName ?? "" : "";
            if (group.Is(GroupState.Dead))
                return described;
            described.Members = [.. group.Members.Select(m => new DescribeGroupsResponse.DescribedGroupMember
            {
                MemberId = m.MemberId,
                GroupInstanceId = m.GroupInstanceId,
                ClientId = m.ClientId,
                ClientHost = m.ClientHost,
                MemberMetadata = stable ? m.Metadata(group.ProtocolName) : [],
                MemberAssignment = stable ? m.Assignment : [],
            })];
            return described;
        }
    }

    /// <summary>
    /// The groups of the partitions loaded here, filtered by state names (any case) and by type names, where every group
    /// here is "classic". The error is COORDINATOR_LOAD_IN_PROGRESS while any partition led here is still loading (the
    /// list is then incomplete, as in Kafka), COORDINATOR_NOT_AVAILABLE on a node without a coordinator.
    /// </summary>
    public (ErrorCode Error, List<ListGroupsResponse.ListedGroup> Groups) List(IReadOnlyCollection<string> statesFilter, IReadOnlyCollection<string> typesFilter)
    {
        if (!IsActive)
            return (ErrorCode.CoordinatorNotAvailable, []);
        var (active, loading) = Partitions();
        var error = loading ? ErrorCode.CoordinatorLoadInProgress : ErrorCode.None;
        var states = statesFilter.Select(GroupStates.Parse).ToHashSet();
        var listed = new List<ListGroupsResponse.ListedGroup>();
        foreach (var group in active.SelectMany(p => p.Groups.Values).OrderBy(g => g.GroupId, StringComparer.Ordinal))
        {
            lock (group)
            {
                if (group.Is(GroupState.Dead) || (typesFilter.Count > 0 && !typesFilter.Contains(group.GroupType, StringComparer.OrdinalIgnoreCase)))
                    continue;
                if (group.Consumer is { } consumer)
                {
                    // Kafka lists a consumer group with its own states (Empty, Assigning, Reconciling, Stable).
                    if (statesFilter.Count > 0 && !statesFilter.Contains(consumer.StateName, StringComparer.OrdinalIgnoreCase))
                        continue;
                    listed.Add(new ListGroupsResponse.ListedGroup
                    {
                        GroupId = group.GroupId,
                        ProtocolType = ConsumerProtocol.ProtocolType,
                        GroupState = consumer.StateName,
                        GroupType = group.GroupType,
                    });
                    continue;
                }
                if (states.Count > 0 && !states.Contains(group.State))
                    continue;
                listed.Add(new ListGroupsResponse.ListedGroup
                {
                    GroupId = group.GroupId,
                    ProtocolType = group.ProtocolType ?? "",
                    GroupState = group.State.Name(),
                    GroupType = group.GroupType,
                });
            }
        }
        return (error, listed);
    }

    /// <summary>
    /// Deletes groups without members, with their offsets (tombstones for both, and, as Kafka's deleteAllOffsets, for the
    /// partitions only an open transaction holds an offset for, whose pending offsets go too); active groups are
    /// NON_EMPTY_GROUP. As in
    /// Kafka, the reply does not wait for the tombstones to be replicated; tombstones that could not be appended at all
    /// leave the group as it was and answer <see cref="GroupWriteErrors.ForCommit"/> of the partition's error.
    /// </summary>
    public ErrorCode DeleteGroup(string groupId)
    {
        var status = Locate(groupId, out var owner);
        if (status != ErrorCode.None)
            return status;
        if (owner.Groups.GetValueOrDefault(groupId) is not { } group)
            return ErrorCode.GroupIdNotFound;
        lock (group)
        {
            if (group.Is(GroupState.Dead))
                return ErrorCode.GroupIdNotFound;
            if (!group.Is(GroupState.Empty) || group.Consumer is { MemberCount: > 0 })
                return ErrorCode.NonEmptyGroup;
            List<StoredRecord> tombstones = [.. group.Offsets.All.Select(o => GroupRecords.OffsetCommit(groupId, o.Topic, o.Partition, null)),
                .. group.PendingOffsets.Partitions.Where(p => group.Offsets.Get(p.Topic, p.Partition) is null)
                    .Select(p => GroupRecords.OffsetCommit(groupId, p.Topic, p.Partition, null)),
                .. GroupTombstones(group)];
            var append = Append(group, tombstones);
            if (!append.Appended)
                return GroupWriteErrors.ForCommit(append.Error);
            group.Offsets.Clear();
            group.PendingOffsets.Clear();
            group.TransitionTo(GroupState.Dead);
            Forget(group);
            _logger.LogInformation("Deleted group {Group}", groupId);
            return ErrorCode.None;
        }
    }
}
