using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DescribeAcls v0-3 (v1+ carries the pattern type filter; v0 is LITERAL): the ACLs of this node's metadata image
/// that match the filter (<see cref="AclFilter"/>: ANY and MATCH as Kafka's AclBindingFilter), grouped by resource
/// pattern. Needs DESCRIBE on the cluster (CLUSTER_AUTHORIZATION_FAILED); a filter with an UNKNOWN field is
/// INVALID_REQUEST; SECURITY_DISABLED with no authorizer.
/// </summary>
internal sealed class DescribeAclsHandler : ApiHandler<DescribeAclsRequest, DescribeAclsResponse>
{
    public override ApiKey Key => ApiKey.DescribeAcls;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    protected override ValueTask<DescribeAclsResponse?> HandleAsync(RequestContext context, DescribeAclsRequest request)
    {
        if (!context.HasAuthorizer())
            return new(Error(ErrorCode.SecurityDisabled, "No Authorizer is configured."));
        if (!context.AuthorizeCluster(AclOperation.Describe))
            return new(Error(ErrorCode.ClusterAuthorizationFailed, null));
        var filter = new AclFilter((AclResourceType)request.ResourceTypeFilter, request.ResourceNameFilter, (AclPatternType)request.PatternTypeFilter,
            request.PrincipalFilter, request.HostFilter, (AclOperation)request.Operation, (AclPermissionType)request.PermissionType);
        if (filter.IsUnknown)
            return new(Error(ErrorCode.InvalidRequest, "The filter has an UNKNOWN field."));
        var resources = context.Broker.Quorum.Loader.Image.Acls.ById.Values.Where(filter.Matches)
            .GroupBy(a => (a.ResourceType, a.ResourceName, a.PatternType))
            .OrderBy(g => g.Key.ResourceType).ThenBy(g => g.Key.ResourceName, StringComparer.Ordinal).ThenBy(g => g.Key.PatternType)
            .Select(g => new DescribeAclsResponse.DescribeAclsResource
            {
                ResourceType = (sbyte)g.Key.ResourceType,
                ResourceName = g.Key.ResourceName,
                PatternType = (sbyte)g.Key.PatternType,
                Acls = [.. g.OrderBy(a => a.Principal, StringComparer.Ordinal).ThenBy(a => a.Host, StringComparer.Ordinal).ThenBy(a => a.Operation).ThenBy(a => a.Permission)
                    .Select(a => new DescribeAclsResponse.AclDescription { Principal = a.Principal, Host = a.Host, Operation = (sbyte)a.Operation, PermissionType = (sbyte)a.Permission })],
            });
        return new(new DescribeAclsResponse { Resources = [.. resources] });
    }

    private static DescribeAclsResponse Error(ErrorCode error, string? message) => new() { ErrorCode = (short)error, ErrorMessage = message };
}
