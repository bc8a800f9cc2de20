using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DescribeGroups v0-5 (see <see cref="GroupCoordinator.Describe"/>): state, protocol, and members with client
/// id, host, metadata and assignment. An unknown group is reported in state Dead without an error, as Kafka does
/// up to v5; a group this node does not coordinate has the error (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS). v3+ the
/// authorized operations when asked (not with an error, as Kafka); v4+ the group instance id; v5+ flexible.
/// With an authorizer, a group needs DESCRIBE (GROUP_AUTHORIZATION_FAILED); authorized operations are those the
/// principal may perform.
/// </summary>
internal sealed class DescribeGroupsHandler : ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse>
{
    public override ApiKey Key => ApiKey.DescribeGroups;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override ValueTask<DescribeGroupsResponse?> HandleAsync(RequestContext context, DescribeGroupsRequest request)
    {
        var response = new DescribeGroupsResponse();
        foreach (var groupId in request.Groups)
        {
            if (!context.AuthorizeGroup(AclOperation.Describe, groupId))
            {
                response.Groups.Add(new DescribeGroupsResponse.DescribedGroup { GroupId = groupId, ErrorCode = (short)ErrorCode.GroupAuthorizationFailed });
                continue;
            }
            var described = context.Broker.Groups.Describe(groupId);
            if (request.IncludeAuthorizedOperations && described.ErrorCode == 0)
                described.AuthorizedOperations = context.AuthorizedOperations(AclResourceType.Group, groupId, GroupCoordinator.AllGroupOperations);
            response.Groups.Add(described);
        }
        return new(response);
    }
}
