using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DeleteGroups v0-2 (see <see cref="GroupCoordinator.DeleteGroup"/>): removes groups without members and their
/// offsets; GROUP_ID_NOT_FOUND for unknown groups, NON_EMPTY_GROUP for active ones. v2+ flexible.
/// With an authorizer, a group needs DELETE (GROUP_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class DeleteGroupsHandler : ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse>
{
    public override ApiKey Key => ApiKey.DeleteGroups;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override ValueTask<DeleteGroupsResponse?> HandleAsync(RequestContext context, DeleteGroupsRequest request)
        => new(new DeleteGroupsResponse
        {
            Results = [.. request.GroupsNames.Select(g => new DeleteGroupsResponse.DeletableGroupResult
            {
                GroupId = g,
                ErrorCode = (short)(context.AuthorizeGroup(AclOperation.Delete, g) ? context.Broker.Groups.DeleteGroup(g) : ErrorCode.GroupAuthorizationFailed),
            })],
        });
}
