using System.Collections.Immutable;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Image;

/// <summary>
/// One access control entry on one resource pattern (Kafka's StandardAcl): <see cref="Principal"/> is "Type:name"
/// ("User:*" for every user), <see cref="Host"/> an address or "*".
/// </summary>
public sealed record StandardAcl(AclResourceType ResourceType, string ResourceName, AclPatternType PatternType, string Principal, string Host,
    AclOperation Operation, AclPermissionType Permission)
{
    /// <summary>The name of the one cluster resource (Kafka's CLUSTER_NAME).</summary>
    public const string ClusterName = "kafka-cluster";

    /// <summary>The resource name and host that match every name and host.</summary>
    public const string Wildcard = "*";

    public static StandardAcl From(AccessControlEntryRecord r) => new((AclResourceType)r.ResourceType, r.ResourceName, (AclPatternType)r.PatternType,
        r.Principal, r.Host, (AclOperation)r.Operation, (AclPermissionType)r.PermissionType);

    public AccessControlEntryRecord ToRecord(Guid id) => new()
    {
        Id = id,
        ResourceType = (sbyte)ResourceType,
        ResourceName = ResourceName,
        PatternType = (sbyte)PatternType,
        Principal = Principal,
        Host = Host,
        Operation = (sbyte)Operation,
        PermissionType = (sbyte)Permission,
    };
}

/// <summary>Every ACL the cluster holds, by the id the controller gave it.</summary>
public sealed record AclsImage(ImmutableDictionary<Guid, StandardAcl> ById)
{
    public static readonly AclsImage Empty = new(ImmutableDictionary<Guid, StandardAcl>.Empty);
}
