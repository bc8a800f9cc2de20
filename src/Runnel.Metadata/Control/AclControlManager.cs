using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Metadata.Control;

/// <summary>
/// ACLs (Kafka's AclControlManager): each new binding becomes an AccessControlEntryRecord under a fresh id, each
/// deleted one a RemoveAccessControlEntryRecord of its id. Creating a binding the image already holds succeeds and
/// writes nothing, so a binding is held once.
/// </summary>
public static class AclControlManager
{
    /// <summary>Kafka's MAX_RECORDS_PER_USER_OP: more removals than this in one DeleteAcls fail that filter.</summary>
    public const int MaxRecordsPerOperation = 10000;

    /// <summary>
    /// Validates and records each creation; an invalid one fails alone with INVALID_REQUEST (Kafka's validateNewAcl
    /// and the broker's checks: a concrete resource type, LITERAL or PREFIXED, a concrete operation, ALLOW or DENY, a
    /// non-empty resource name, "kafka-cluster" as the cluster's name, a "Type:name" principal).
    /// </summary>
    public static ControllerResult<CreateAclsResponse> CreateAcls(MetadataImage image, IReadOnlyList<CreateAclsRequest.AclCreation> creations, Func<Guid>? newId = null)
    {
        newId ??= Guid.NewGuid;
        var existing = new HashSet<StandardAcl>(image.Acls.ById.Values);
        var records = new List<IKafkaMessage>();
        var results = new List<CreateAclsResponse.AclCreationResult>(creations.Count);
        foreach (var creation in creations)
        {
            var acl = new StandardAcl((AclResourceType)creation.ResourceType, creation.ResourceName, (AclPatternType)creation.ResourcePatternType,
                creation.Principal, creation.Host, (AclOperation)creation.Operation, (AclPermissionType)creation.PermissionType);
            if (Invalid(acl) is { } message)
            {
                results.Add(new() { ErrorCode = (short)ErrorCode.InvalidRequest, ErrorMessage = message });
                continue;
            }
            if (existing.Add(acl))
            {
                Guid id;
                do
                    id = newId();
                while (image.Acls.ById.ContainsKey(id));
                records.Add(acl.ToRecord(id));
            }
            results.Add(new());
        }
        return new(records, new CreateAclsResponse { Results = results });
    }

    /// <summary>Why <paramref name="acl"/> may not be created, or null when it may.</summary>
    public static string? Invalid(StandardAcl acl)
    {
        if (acl.ResourceType is AclResourceType.Unknown or AclResourceType.Any || !Enum.IsDefined(acl.ResourceType))
            return $"Invalid resourceType {acl.ResourceType}";
        if (acl.PatternType is not (AclPatternType.Literal or AclPatternType.Prefixed))
            return $"Invalid patternType {acl.PatternType}";
        if (acl.Operation is AclOperation.Unknown or AclOperation.Any || !Enum.IsDefined(acl.Operation))
            return $"Invalid operation {acl.Operation}";
        if (acl.Permission is not (AclPermissionType.Allow or AclPermissionType.Deny))
            return $"Invalid permissionType {acl.Permission}";
        if (string.IsNullOrEmpty(acl.ResourceName))
            return "Resource name should not be empty";
        if (acl.ResourceType == AclResourceType.Cluster && acl.ResourceName != StandardAcl.ClusterName)
            return $"The only valid name for the CLUSTER resource is {StandardAcl.ClusterName}";
        var colon = acl.Principal.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == acl.Principal.Length - 1)
            return $"Could not parse principal from `{acl.Principal}` (no colon is present separating the principal type from the principal name)";
        if (string.IsNullOrEmpty(acl.Host))
            return "Invalid empty host";
        return null;
    }

    /// <summary>
    /// Removes every binding each filter matches (Kafka's deleteAcls): per filter the bindings it matched, an unknown
    /// field INVALID_REQUEST for that filter. A binding matched by several filters is listed under each and removed once.
    /// </summary>
    public static ControllerResult<DeleteAclsResponse> DeleteAcls(MetadataImage image, IReadOnlyList<AclFilter> filters)
    {
        var removed = new HashSet<Guid>();
        var results = new List<DeleteAclsResponse.DeleteAclsFilterResult>(filters.Count);
        foreach (var filter in filters)
        {
            if (filter.IsUnknown)
            {
                results.Add(new() { ErrorCode = (short)ErrorCode.InvalidRequest, ErrorMessage = "Unknown filter field." });
                continue;
            }
            var matches = image.Acls.ById.Where(a => filter.Matches(a.Value)).OrderBy(a => a.Key).ToList();
            if (removed.Count + matches.Count(m => !removed.Contains(m.Key)) > MaxRecordsPerOperation)
            {
                results.Add(new() { ErrorCode = (short)ErrorCode.InvalidRequest, ErrorMessage = $"Cannot remove more than {MaxRecordsPerOperation} acls in a single delete operation." });
                continue;
            }
            removed.UnionWith(matches.Select(m => m.Key));
            results.Add(new() { MatchingAcls = [.. matches.Select(m => Matching(m.Value))] });
        }
        var records = removed.Order().Select(id => (IKafkaMessage)new RemoveAccessControlEntryRecord { Id = id }).ToList();
        return new(records, new DeleteAclsResponse { FilterResults = results });
    }

    private static DeleteAclsResponse.DeleteAclsMatchingAcl Matching(StandardAcl acl) => new()
    {
        ResourceType = (sbyte)acl.ResourceType,
        ResourceName = acl.ResourceName,
        PatternType = (sbyte)acl.PatternType,
        Principal = acl.Principal,
        Host = acl.Host,
        Operation = (sbyte)acl.Operation,
        PermissionType = (sbyte)acl.Permission,
    };
}
