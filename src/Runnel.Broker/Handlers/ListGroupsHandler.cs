using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// ListGroups v0-5: every group this node coordinates (see <see cref="Groups.GroupCoordinator.List"/>), including simple
/// groups that only hold offsets (protocol type ""), with COORDINATOR_LOAD_IN_PROGRESS while a partition led here is still
/// loading. v3+ flexible; v4+ the state in the reply and a state filter (any case); v5+ the type ("classic") and a type
/// filter.
/// With an authorizer, DESCRIBE on the cluster lists every group, else only the groups the principal may DESCRIBE.
/// </summary>
internal sealed class ListGroupsHandler : ApiHandler<ListGroupsRequest, ListGroupsResponse>
{
    public override ApiKey Key => ApiKey.ListGroups;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override ValueTask<ListGroupsResponse?> HandleAsync(RequestContext context, ListGroupsRequest request)
    {
        var (error, groups) = context.Broker.Groups.List(request.StatesFilter, request.TypesFilter);
        // As Kafka: DESCRIBE on the cluster lists every group, else only those the principal may DESCRIBE.
        if (context.HasAuthorizer() && !context.AuthorizeCluster(AclOperation.Describe))
            groups.RemoveAll(g => !context.AuthorizeGroup(AclOperation.Describe, g.GroupId));
        return new(new ListGroupsResponse { ErrorCode = (short)error, Groups = groups });
    }
}
