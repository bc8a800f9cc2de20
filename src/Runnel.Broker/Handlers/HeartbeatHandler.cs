using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// Heartbeat v0-4 (see <see cref="GroupCoordinator.Heartbeat"/>): keeps the member's session; REBALANCE_IN_PROGRESS
/// tells it to rejoin. v3+ carry the group instance id; v4+ flexible.
/// With an authorizer, needs READ on the group (GROUP_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class HeartbeatHandler : ApiHandler<HeartbeatRequest, HeartbeatResponse>
{
    public override ApiKey Key => ApiKey.Heartbeat;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override ValueTask<HeartbeatResponse?> HandleAsync(RequestContext context, HeartbeatRequest request)
        => new(new HeartbeatResponse
        {
            ErrorCode = (short)(context.AuthorizeGroup(AclOperation.Read, request.GroupId) ? context.Broker.Groups.Heartbeat(request) : ErrorCode.GroupAuthorizationFailed),
        });
}
