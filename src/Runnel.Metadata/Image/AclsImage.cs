using System.Collections.Immutable;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Image;

/// <summary>Kafka's ResourceType codes as ACLs carry them.</summary>
public enum AclResourceType : sbyte
{
    Unknown = 0,
    Any = 1,
    Topic = 2,
    Group = 3,
    Cluster = 4,
    TransactionalId = 5,
    DelegationToken = 6,
    User = 7,
}

/// <summary>Kafka's PatternType codes: an ACL is LITERAL or PREFIXED; ANY and MATCH exist only in filters.</summary>
public enum AclPatternType : sbyte
{
    Unknown = 0,
    Any = 1,
    Match = 2,
    Literal = 3,
    Prefixed = 4,
}

/// <summary>Kafka's AclOperation codes.</summary>
public enum AclOperation : sbyte
{
    Unknown = 0,
    Any = 1,
    All = 2,
    Read = 3,
    Write = 4,
    Create = 5,
    Delete = 6,
    Alter = 7,
    Describe = 8,
    ClusterAction = 9,
    DescribeConfigs = 10,
    AlterConfigs = 11,
    IdempotentWrite = 12,
    CreateTokens = 13,
    DescribeTokens = 14,
    TwoPhaseCommit = 15,
}

/// <summary>Kafka's AclPermissionType codes.</summary>
public enum AclPermissionType : sbyte
{
    Unknown = 0,
    Any = 1,
    Deny = 2,
    Allow = 3,
}

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
