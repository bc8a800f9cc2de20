using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DeleteAcls v0-3 (v1+ carries the pattern type filter; v0 is LITERAL), decided by the active controller
/// (<see cref="AclControlManager.DeleteAcls"/>; other nodes forward it, see <see cref="ControllerDecision"/>): per
/// filter the ACLs it matched and removed, or INVALID_REQUEST for a filter with an UNKNOWN field. Needs ALTER on the
/// cluster (CLUSTER_AUTHORIZATION_FAILED for every filter otherwise); SECURITY_DISABLED with no authorizer.
/// </summary>
internal sealed class DeleteAclsHandler : ApiHandler<DeleteAclsRequest, DeleteAclsResponse>
{
    public override ApiKey Key => ApiKey.DeleteAcls;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    protected override async ValueTask<DeleteAclsResponse?> HandleAsync(RequestContext context, DeleteAclsRequest request)
    {
        if (!context.HasAuthorizer())
            return ErrorResponse(request, ErrorCode.SecurityDisabled, "No Authorizer is configured.");
        if (!context.AuthorizeCluster(AclOperation.Alter))
            return ErrorResponse(request, ErrorCode.ClusterAuthorizationFailed, null);
        var filters = request.Filters.Select(f => new AclFilter((AclResourceType)f.ResourceTypeFilter, f.ResourceNameFilter, (AclPatternType)f.PatternTypeFilter,
            f.PrincipalFilter, f.HostFilter, (AclOperation)f.Operation, (AclPermissionType)f.PermissionType)).ToList();
        return await ControllerDecision.RunAsync(context, Key, MaxVersion, request,
            image => AclControlManager.DeleteAcls(image, filters),
            r => r.FilterResults.Count > 0 && r.FilterResults.All(c => c.ErrorCode == (short)ErrorCode.NotController) ? ErrorCode.NotController : ErrorCode.None,
            (error, message) => ErrorResponse(request, error, message), changes: true).ConfigureAwait(false);
    }

    private static DeleteAclsResponse ErrorResponse(DeleteAclsRequest request, ErrorCode error, string? message) => new()
    {
        FilterResults = [.. request.Filters.Select(_ => new DeleteAclsResponse.DeleteAclsFilterResult { ErrorCode = (short)error, ErrorMessage = message })],
    };
}
