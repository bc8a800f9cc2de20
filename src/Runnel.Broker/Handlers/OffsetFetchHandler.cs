using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// OffsetFetch v0-9 (see <see cref="GroupCoordinator.FetchOffsets"/>); v9+ checks a KIP-848 member's id and epoch (UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH). Partitions without a committed offset
/// answer -1. v2+ a null topic list means every committed partition, and a group-level error; v5+ the leader
/// epoch; v6+ flexible; v7+ RequireStable: a partition with an offset of an open transaction answers
/// UNSTABLE_OFFSET_COMMIT, so the consumer retries until the transaction ended; v8+ several groups per request; v9's member id and epoch belong to KIP-848 groups and are not checked for classic ones. A group
/// this node does not coordinate now (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS) gets the error and no offsets: per
/// partition asked for in v0-1, at the top in v2-7, per group in v8+.
/// With an authorizer, a group needs DESCRIBE (GROUP_AUTHORIZATION_FAILED) and topics DESCRIBE (see Fetch).
/// </summary>
internal sealed class OffsetFetchHandler : ApiHandler<OffsetFetchRequest, OffsetFetchResponse>
{
    public override ApiKey Key => ApiKey.OffsetFetch;

    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    protected override ValueTask<OffsetFetchResponse?> HandleAsync(RequestContext context, OffsetFetchRequest request)
    {
        var groups = context.Broker.Groups;
        var response = new OffsetFetchResponse();
        if (context.Version >= 8)
        {
            foreach (var requested in request.Groups)
            {
                // v9+: a KIP-848 member fetches with its member id and epoch, checked as Kafka's validateOffsetFetch does.
                var invalid = context.Version >= 9 ? groups.ValidateOffsetFetch(requested.GroupId, requested.MemberId, requested.MemberEpoch) : ErrorCode.None;
                response.Groups.Add(invalid != ErrorCode.None
                    ? new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = requested.GroupId, ErrorCode = (short)invalid }
                    : Fetch(context, requested.GroupId, requested.Topics?.Select(t => (t.Name, (IReadOnlyList<int>)t.PartitionIndexes)).ToList(),
                        request.RequireStable));
            }
            return new(response);
        }
        var group = Fetch(context, request.GroupId, request.Topics?.Select(t => (t.Name, (IReadOnlyList<int>)t.PartitionIndexes)).ToList(),
            request.RequireStable);
        if (group.ErrorCode != 0 && context.Version < 2)
        {
            // No top-level error before v2: each partition asked for carries it, as Kafka's error response does.
            response.Topics = [.. (request.Topics ?? []).Select(t => new OffsetFetchResponse.OffsetFetchResponseTopic
            {
                Name = t.Name,
                Partitions = [.. t.PartitionIndexes.Select(p => new OffsetFetchResponse.OffsetFetchResponsePartition
                {
                    PartitionIndex = p,
                    CommittedOffset = -1,
                    Metadata = "",
                    ErrorCode = group.ErrorCode,
                })],
            })];
            return new(response);
        }
        response.ErrorCode = group.ErrorCode;
        response.Topics = [.. group.Topics.Select(t => new OffsetFetchResponse.OffsetFetchResponseTopic
        {
            Name = t.Name,
            Partitions = [.. t.Partitions.Select(p => new OffsetFetchResponse.OffsetFetchResponsePartition
            {
                PartitionIndex = p.PartitionIndex,
                CommittedOffset = p.CommittedOffset,
                CommittedLeaderEpoch = p.CommittedLeaderEpoch,
                Metadata = p.Metadata,
                ErrorCode = p.ErrorCode,
            })],
        })];
        return new(response);
    }

    /// <summary>
    /// One group's offsets, as Kafka authorizes them: DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED), and of the
    /// topics only those the principal may DESCRIBE: named ones it may not answer TOPIC_AUTHORIZATION_FAILED per
    /// partition, and with no topics named (all) they are left out.
    /// </summary>
    private static OffsetFetchResponse.OffsetFetchResponseGroup Fetch(RequestContext context, string groupId,
        List<(string Topic, IReadOnlyList<int> Partitions)>? topics, bool requireStable)
    {
        if (!context.AuthorizeGroup(AclOperation.Describe, groupId))
            return new() { GroupId = groupId, ErrorCode = (short)ErrorCode.GroupAuthorizationFailed };
        if (!context.HasAuthorizer())
            return context.Broker.Groups.FetchOffsets(groupId, topics, requireStable);
        if (topics is null)
        {
            var all = context.Broker.Groups.FetchOffsets(groupId, null, requireStable);
            all.Topics.RemoveAll(t => !context.AuthorizeTopic(AclOperation.Describe, t.Name));
            return all;
        }
        var refused = topics.Where(t => !context.AuthorizeTopic(AclOperation.Describe, t.Topic)).ToList();
        var group = context.Broker.Groups.FetchOffsets(groupId, refused.Count == 0 ? topics : [.. topics.Except(refused)], requireStable);
        group.Topics.AddRange(refused.Select(t => new OffsetFetchResponse.OffsetFetchResponseTopics
        {
            Name = t.Topic,
            Partitions = [.. t.Partitions.Select(p => new OffsetFetchResponse.OffsetFetchResponsePartitions
            {
                PartitionIndex = p,
                CommittedOffset = -1,
                ErrorCode = (short)ErrorCode.TopicAuthorizationFailed,
            })],
        }));
        return group;
    }
}
