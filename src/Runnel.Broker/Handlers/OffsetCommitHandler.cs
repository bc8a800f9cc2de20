using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// OffsetCommit v0-9 (see <see cref="GroupCoordinator.CommitOffsetsAsync"/>), stored in __consumer_offsets.
/// v0 has no generation (a simple commit, kept in the log as the later versions are); v1 a per-partition commit
/// time; v2-4 a retention time that sets an explicit expiry; v6+ the leader epoch; v7+ the group instance id;
/// v8+ flexible; v9 answers GROUP_ID_NOT_FOUND rather than ILLEGAL_GENERATION for a generation of an unknown group.
/// With an authorizer, needs READ on the group (GROUP_AUTHORIZATION_FAILED for every partition); topics the principal
/// may not READ answer TOPIC_AUTHORIZATION_FAILED and are not committed.
/// </summary>
internal sealed class OffsetCommitHandler : ApiHandler<OffsetCommitRequest, OffsetCommitResponse>
{
    public override ApiKey Key => ApiKey.OffsetCommit;

    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    protected override async ValueTask<OffsetCommitResponse?> HandleAsync(RequestContext context, OffsetCommitRequest request)
    {
        if (!context.AuthorizeGroup(AclOperation.Read, request.GroupId))
            return Refused(request.Topics, ErrorCode.GroupAuthorizationFailed);
        if (!context.HasAuthorizer())
            return await context.Broker.Groups.CommitOffsetsAsync(request, context.Version).ConfigureAwait(false);
        // As Kafka: topics the principal may not READ answer TOPIC_AUTHORIZATION_FAILED and are not committed.
        var refused = request.Topics.Where(t => !context.AuthorizeTopic(AclOperation.Read, t.Name)).ToList();
        if (refused.Count == 0)
            return await context.Broker.Groups.CommitOffsetsAsync(request, context.Version).ConfigureAwait(false);
        request.Topics = [.. request.Topics.Except(refused)];
        var response = request.Topics.Count == 0 ? new OffsetCommitResponse() : await context.Broker.Groups.CommitOffsetsAsync(request, context.Version).ConfigureAwait(false);
        response.Topics.AddRange(Refused(refused, ErrorCode.TopicAuthorizationFailed).Topics);
        return response;
    }

    private static OffsetCommitResponse Refused(IEnumerable<OffsetCommitRequest.OffsetCommitRequestTopic> topics, ErrorCode error) => new()
    {
        Topics = [.. topics.Select(t => new OffsetCommitResponse.OffsetCommitResponseTopic
        {
            Name = t.Name,
            Partitions = [.. t.Partitions.Select(p => new OffsetCommitResponse.OffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error })],
        })],
    };
}
