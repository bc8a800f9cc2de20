using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// JoinGroup v0-9 (see <see cref="GroupCoordinator.JoinAsync"/>). The reply is parked until the join phase ends.
/// v0 has no rebalance timeout (the session timeout serves); v4+ new members get MEMBER_ID_REQUIRED and their id
/// first; v5+ static membership (group.instance.id); v6+ flexible; v7+ the protocol type in the reply; v8+ a
/// reason (accepted, not used); v9+ SkipAssignment for a static leader that rejoins without a rebalance.
/// With an authorizer, needs READ on the group (GROUP_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class JoinGroupHandler : ApiHandler<JoinGroupRequest, JoinGroupResponse>
{
    public override ApiKey Key => ApiKey.JoinGroup;

    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    protected override async ValueTask<JoinGroupResponse?> HandleAsync(RequestContext context, JoinGroupRequest request)
    {
        if (!context.AuthorizeGroup(AclOperation.Read, request.GroupId))
            return new JoinGroupResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed, GenerationId = -1, MemberId = "" };
        var client = new GroupClient(context.Header.ClientId ?? "", "/" + context.Connection.ClientHost, context.Version);
        return await context.Broker.Groups.JoinAsync(request, client).WaitAsync(context.Cancellation).ConfigureAwait(false);
    }
}
