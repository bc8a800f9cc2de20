using Runnel.Protocol;
using Runnel.Protocol.Acls;

namespace Runnel.Metadata.Image;

/// <summary>
/// A filter over ACL bindings as DescribeAcls and DeleteAcls carry it (Kafka's AclBindingFilter): ANY matches every
/// value of an enum and a null string every name, principal or host. A resource name with pattern MATCH selects the
/// ACLs that would apply to that name: the LITERAL one by that name, the LITERAL "*", and every PREFIXED one the
/// name starts with.
/// </summary>
public sealed record AclFilter(AclResourceType ResourceType, string? ResourceName, AclPatternType PatternType, string? Principal, string? Host,
    AclOperation Operation, AclPermissionType Permission)
{
    /// <summary>True when a field holds UNKNOWN (Kafka's isUnknown), which Kafka refuses as INVALID_REQUEST.</summary>
    public bool IsUnknown => ResourceType == AclResourceType.Unknown || PatternType == AclPatternType.Unknown
        || Operation == AclOperation.Unknown || Permission == AclPermissionType.Unknown;

    public bool Matches(StandardAcl acl) => MatchesPattern(acl) && MatchesEntry(acl);

    private bool MatchesPattern(StandardAcl acl)
    {
        if (ResourceType != AclResourceType.Any && ResourceType != acl.ResourceType)
            return false;
        if (PatternType is not (AclPatternType.Any or AclPatternType.Match) && PatternType != acl.PatternType)
            return false;
        if (ResourceName is null)
            return true;
        if (PatternType == AclPatternType.Any || PatternType == acl.PatternType)
            return ResourceName == acl.ResourceName;
        return acl.PatternType switch
        {
            AclPatternType.Literal => ResourceName == acl.ResourceName || acl.ResourceName == StandardAcl.Wildcard,
            AclPatternType.Prefixed => ResourceName.StartsWith(acl.ResourceName, StringComparison.Ordinal),
            _ => false,
        };
    }

    private bool MatchesEntry(StandardAcl acl) =>
        (Principal is null || Principal == acl.Principal)
        && (Host is null || Host == acl.Host)
        && (Operation == AclOperation.Any || Operation == acl.Operation)
        && (Permission == AclPermissionType.Any || Permission == acl.Permission);
}
