using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// SyncGroup v0-5 (see <see cref="GroupCoordinator.SyncAsync"/>): followers wait for the leader's assignment,
/// whose bytes reach each member untouched. v3+ carry the group instance id; v4+ flexible; v5+ the protocol type
/// and name both ways (a mismatch is INCONSISTENT_GROUP_PROTOCOL).
/// With an authorizer, needs READ on the group (GROUP_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class SyncGroupHandler : ApiHandler<SyncGroupRequest, SyncGroupResponse>
{
    public override ApiKey Key => ApiKey.SyncGroup;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<SyncGroupResponse?> HandleAsync(RequestContext context, SyncGroupRequest request)
        => !context.AuthorizeGroup(AclOperation.Read, request.GroupId)
            ? new SyncGroupResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed }
            : await context.Broker.Groups.SyncAsync(request).WaitAsync(context.Cancellation).ConfigureAwait(false);
}
