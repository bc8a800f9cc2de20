using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// OffsetFetch v0-9 (see <see cref="GroupCoordinator.FetchOffsets"/>). Partitions without a committed offset
/// answer -1. v2+ a null topic list means every committed partition, and a group-level error; v5+ the leader
/// epoch; v6+ flexible; v7+ RequireStable: a partition with an offset of an open transaction answers
/// UNSTABLE_OFFSET_COMMIT, so the consumer retries until the transaction ended; v8+ several groups per request; v9's member id and epoch belong to KIP-848 groups and are not checked for classic ones. A group
/// this node does not coordinate now (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS) gets the error and no offsets: per
/// partition asked for in v0-1, at the top in v2-7, per group in v8+.
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
                response.Groups.Add(groups.FetchOffsets(requested.GroupId, requested.Topics?.Select(t => (t.Name, (IReadOnlyList<int>)t.PartitionIndexes)).ToList(),
                    request.RequireStable));
            return new(response);
        }
        var group = groups.FetchOffsets(request.GroupId, request.Topics?.Select(t => (t.Name, (IReadOnlyList<int>)t.PartitionIndexes)).ToList(),
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
}
