using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// LeaveGroup v0-5 (see <see cref="GroupCoordinator.Leave"/>). v0-2 name one member and report its error at the
/// top level; v3+ name several (a static member by instance id alone) with one result each; v4+ flexible; v5+ a
/// reason per member (accepted, not used).
/// With an authorizer, needs READ on the group (GROUP_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class LeaveGroupHandler : ApiHandler<LeaveGroupRequest, LeaveGroupResponse>
{
    public override ApiKey Key => ApiKey.LeaveGroup;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override ValueTask<LeaveGroupResponse?> HandleAsync(RequestContext context, LeaveGroupRequest request)
    {
        if (!context.AuthorizeGroup(AclOperation.Read, request.GroupId))
            return new(new LeaveGroupResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed });
        var leaving = context.Version >= 3 ? request.Members : [new LeaveGroupRequest.MemberIdentity { MemberId = request.MemberId }];
        var (error, members) = context.Broker.Groups.Leave(request.GroupId, leaving);
        if (context.Version >= 3)
            return new(new LeaveGroupResponse { ErrorCode = (short)error, Members = members });
        var single = error != ErrorCode.None ? (short)error : members.FirstOrDefault()?.ErrorCode ?? 0;
        return new(new LeaveGroupResponse { ErrorCode = single });
    }
}
