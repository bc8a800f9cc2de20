using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Admin;

/// <summary>An ACL (Kafka's AclBinding): a resource pattern and an access control entry for a "Type:name" principal and a host or "*".</summary>
public sealed record AclBinding(AclResourceType ResourceType, string ResourceName, AclPatternType PatternType, string Principal, string Host,
    AclOperation Operation, AclPermissionType Permission);

/// <summary>
/// A filter over ACLs (Kafka's AclBindingFilter): ANY matches every value, a null name, principal or host every one;
/// a name with pattern MATCH the ACLs that apply to that name (its LITERAL, "*" and the PREFIXED ones it starts with).
/// </summary>
public sealed record AclBindingFilter(AclResourceType ResourceType = AclResourceType.Any, string? ResourceName = null, AclPatternType PatternType = AclPatternType.Any,
    string? Principal = null, string? Host = null, AclOperation Operation = AclOperation.Any, AclPermissionType Permission = AclPermissionType.Any)
{
    public static readonly AclBindingFilter All = new();
}

/// <summary>ACLs: CreateAcls, DescribeAcls and DeleteAcls (Kafka's Admin.createAcls, describeAcls, deleteAcls).</summary>
public sealed partial class RunnelAdminClient
{
    /// <summary>Creates the ACLs; the first refused one fails the call (the others may have been created).</summary>
    public async Task CreateAclsAsync(IEnumerable<AclBinding> acls, CancellationToken cancellationToken = default)
    {
        var list = acls.ToList();
        var connection = await _cluster.ControllerAsync(cancellationToken).ConfigureAwait(false);
        var request = new CreateAclsRequest
        {
            Creations = [.. list.Select(a => new CreateAclsRequest.AclCreation
            {
                ResourceType = (sbyte)a.ResourceType,
                ResourceName = a.ResourceName,
                ResourcePatternType = (sbyte)a.PatternType,
                Principal = a.Principal,
                Host = a.Host,
                Operation = (sbyte)a.Operation,
                PermissionType = (sbyte)a.Permission,
            })],
        };
        var response = await connection.SendAsync<CreateAclsResponse>(ApiKey.CreateAcls, request, cancellationToken).ConfigureAwait(false);
        ThrowIfAnyFailed(response.Results.Select((r, i) => (Describe(list[i]), r.ErrorCode, r.ErrorMessage)), "Creating ACL");
    }

    /// <summary>The ACLs that match <paramref name="filter"/>.</summary>
    public async Task<IReadOnlyList<AclBinding>> DescribeAclsAsync(AclBindingFilter filter, CancellationToken cancellationToken = default)
    {
        var connection = await _cluster.ControllerAsync(cancellationToken).ConfigureAwait(false);
        var request = new DescribeAclsRequest
        {
            ResourceTypeFilter = (sbyte)filter.ResourceType,
            ResourceNameFilter = filter.ResourceName,
            PatternTypeFilter = (sbyte)filter.PatternType,
            PrincipalFilter = filter.Principal,
            HostFilter = filter.Host,
            Operation = (sbyte)filter.Operation,
            PermissionType = (sbyte)filter.Permission,
        };
        var response = await connection.SendAsync<DescribeAclsResponse>(ApiKey.DescribeAcls, request, cancellationToken).ConfigureAwait(false);
        if (response.ErrorCode != 0)
            throw RunnelException.FromError((ErrorCode)response.ErrorCode, "Describing ACLs", response.ErrorMessage);
        return [.. response.Resources.SelectMany(r => r.Acls.Select(a => new AclBinding((AclResourceType)r.ResourceType, r.ResourceName, (AclPatternType)r.PatternType,
            a.Principal, a.Host, (AclOperation)a.Operation, (AclPermissionType)a.PermissionType)))];
    }

    /// <summary>Deletes the ACLs each filter matches; returns those deleted. A refused filter fails the call.</summary>
    public async Task<IReadOnlyList<AclBinding>> DeleteAclsAsync(IEnumerable<AclBindingFilter> filters, CancellationToken cancellationToken = default)
    {
        var connection = await _cluster.ControllerAsync(cancellationToken).ConfigureAwait(false);
        var request = new DeleteAclsRequest
        {
            Filters = [.. filters.Select(f => new DeleteAclsRequest.DeleteAclsFilter
            {
                ResourceTypeFilter = (sbyte)f.ResourceType,
                ResourceNameFilter = f.ResourceName,
                PatternTypeFilter = (sbyte)f.PatternType,
                PrincipalFilter = f.Principal,
                HostFilter = f.Host,
                Operation = (sbyte)f.Operation,
                PermissionType = (sbyte)f.Permission,
            })],
        };
        var response = await connection.SendAsync<DeleteAclsResponse>(ApiKey.DeleteAcls, request, cancellationToken).ConfigureAwait(false);
        ThrowIfAnyFailed(response.FilterResults.Select(r => ("filter", r.ErrorCode, r.ErrorMessage)), "Deleting ACLs");
        return [.. response.FilterResults.SelectMany(r => r.MatchingAcls).Select(a => new AclBinding((AclResourceType)a.ResourceType, a.ResourceName,
            (AclPatternType)a.PatternType, a.Principal, a.Host, (AclOperation)a.Operation, (AclPermissionType)a.PermissionType)).Distinct()];
    }

    private static string Describe(AclBinding a) => $"{a.Permission} {a.Principal} {a.Operation} on {a.ResourceType}:{a.PatternType}:{a.ResourceName} from {a.Host}";
}
