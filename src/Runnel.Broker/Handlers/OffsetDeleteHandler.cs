using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// OffsetDelete v0 (see <see cref="GroupCoordinator.DeleteOffsets"/>): deletes a group's offsets of topics it no
/// longer consumes; GROUP_SUBSCRIBED_TO_TOPIC per partition of a topic its members subscribe to.
/// With an authorizer, needs DELETE on the group (GROUP_AUTHORIZATION_FAILED) and READ on each topic
/// (TOPIC_AUTHORIZATION_FAILED for its partitions, whose offsets stay).
/// </summary>
internal sealed class OffsetDeleteHandler : ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse>
{
    public override ApiKey Key => ApiKey.OffsetDelete;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<OffsetDeleteResponse?> HandleAsync(RequestContext context, OffsetDeleteRequest request)
    {
        if (!context.AuthorizeGroup(AclOperation.Delete, request.GroupId))
            return new(new OffsetDeleteResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed });
        if (!context.HasAuthorizer())
            return new(context.Broker.Groups.DeleteOffsets(request));
        // As Kafka: topics the principal may not READ answer TOPIC_AUTHORIZATION_FAILED and keep their offsets.
        var refused = request.Topics.Where(t => !context.AuthorizeTopic(AclOperation.Read, t.Name)).ToList();
        request.Topics = [.. request.Topics.Except(refused)];
        var response = context.Broker.Groups.DeleteOffsets(request);
        response.Topics.AddRange(refused.Select(t => new OffsetDeleteResponse.OffsetDeleteResponseTopic
        {
            Name = t.Name,
            Partitions = [.. t.Partitions.Select(p => new OffsetDeleteResponse.OffsetDeleteResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)ErrorCode.TopicAuthorizationFailed })],
        }));
        return new(response);
    }
}
