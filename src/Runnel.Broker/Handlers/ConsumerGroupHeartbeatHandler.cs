using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// ConsumerGroupHeartbeat v0-1 (KIP-848; see <see cref="GroupCoordinator.ConsumerGroupHeartbeatAsync"/>): join with
/// member epoch 0, heartbeat with the current epoch (and owned partitions), leave with -1 (a static member for a while
/// with -2); the reply carries the member epoch, the heartbeat interval and, when it changed or was asked for in full,
/// the assignment. v1+ SubscribedTopicRegex. The reply waits until the group's records count.
/// With an authorizer, needs READ on the group (GROUP_AUTHORIZATION_FAILED) and DESCRIBE on the subscribed topics
/// (TOPIC_AUTHORIZATION_FAILED), as Kafka checks.
/// </summary>
internal sealed class ConsumerGroupHeartbeatHandler : ApiHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>
{
    public override ApiKey Key => ApiKey.ConsumerGroupHeartbeat;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override async ValueTask<ConsumerGroupHeartbeatResponse?> HandleAsync(RequestContext context, ConsumerGroupHeartbeatRequest request)
    {
        if (!context.AuthorizeGroup(AclOperation.Read, request.GroupId))
            return new ConsumerGroupHeartbeatResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed, MemberEpoch = -1 };
        if (context.HasAuthorizer() && request.SubscribedTopicNames is { } names && names.Any(t => !context.AuthorizeTopic(AclOperation.Describe, t)))
            return new ConsumerGroupHeartbeatResponse { ErrorCode = (short)ErrorCode.TopicAuthorizationFailed, MemberEpoch = -1 };
        var client = new GroupClient(context.Header.ClientId ?? "", "/" + context.Connection.ClientHost, context.Version);
        return await context.Broker.Groups.ConsumerGroupHeartbeatAsync(request, client).WaitAsync(context.Cancellation).ConfigureAwait(false);
    }
}
