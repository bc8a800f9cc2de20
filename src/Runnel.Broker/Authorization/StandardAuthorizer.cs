using Runnel.Broker.Configuration;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;

namespace Runnel.Broker.Authorization;

/// <summary>
/// Kafka's StandardAuthorizer (StandardAuthorizerData.authorize) over the ACLs of the latest metadata image: a super
/// user is allowed everything; otherwise every ACL on the resource (the LITERAL one by its name, LITERAL "*", and each
/// PREFIXED one the name starts with) whose principal is the caller's or "User:*" and whose host is the caller's
/// address or "*" decides: any matching DENY denies, else any matching ALLOW allows. An ALLOW of READ, WRITE, DELETE or
/// ALTER also allows DESCRIBE, one of ALTER_CONFIGS also DESCRIBE_CONFIGS, and ALL any operation (a DENY of ALL denies
/// any). With no match: denied when some ACL names the resource, else <c>allow.everyone.if.no.acl.found</c> decides.
/// </summary>
internal sealed class StandardAuthorizer
{
    /// <summary>Kafka's WILDCARD_KAFKA_PRINCIPAL: an ACL for it applies to every user.</summary>
    public const string WildcardPrincipal = "User:*";

    private readonly HashSet<string> _superUsers;
    private readonly bool _allowIfNoAcl;
    private readonly Func<AclsImage> _acls;
    private AclIndex _index = AclIndex.Empty;

    public StandardAuthorizer(IEnumerable<string> superUsers, bool allowEveryoneIfNoAclFound, Func<AclsImage> acls)
    {
        _superUsers = new HashSet<string>(superUsers, StringComparer.Ordinal);
        _allowIfNoAcl = allowEveryoneIfNoAclFound;
        _acls = acls;
    }

    /// <summary>The authorizer <c>authorizer.class.name</c> asks for, or null when it names none (Kafka's default).</summary>
    public static StandardAuthorizer? FromConfig(BrokerConfig config, Func<AclsImage> acls)
    {
        if (string.IsNullOrEmpty(config.GetString(AuthorizerConfigs.ClassName)))
            return null;
        var superUsers = (config.GetString(AuthorizerConfigs.SuperUsers) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new StandardAuthorizer(superUsers, config.GetBool(AuthorizerConfigs.AllowEveryoneIfNoAclFound), acls);
    }

    public bool IsSuperUser(string principal) => _superUsers.Contains(principal);

    /// <summary>
    /// Whether the principal of <paramref name="connection"/> may perform <paramref name="operation"/> on the resource
    /// <paramref name="type"/> <paramref name="name"/>. The client's address is formatted only when an ACL names a host
    /// other than "*".
    /// </summary>
    public bool Authorize(ConnectionInfo connection, AclOperation operation, AclResourceType type, string name)
    {
        var principal = connection.Principal;
        if (_superUsers.Contains(principal))
            return true;
        var types = Index().For(type);
        if (types is null)
            return _allowIfNoAcl;
        var state = new Match(connection, operation);
        if (Check(types.Literal(name), ref state) || Check(types.Wildcard, ref state))
            return false;
        foreach (var length in types.PrefixLengths)
        {
            if (length > name.Length)
                break;
            if (Check(types.Prefixed(name.AsSpan(0, length)), ref state))
                return false;
        }
        return state.Allowed || (!state.HasResourceAcls && _allowIfNoAcl);
    }

    /// <summary>
    /// Kafka's authorizeByResourceType: whether the principal may perform <paramref name="operation"/> on some resource
    /// of <paramref name="type"/> (InitProducerId without a transactional id asks it for WRITE on topics). A matching
    /// DENY of the LITERAL "*" refuses; otherwise some matching ALLOW must name a pattern that no matching DENY covers
    /// (a LITERAL DENY of the same name, or a PREFIXED DENY its name starts with). With no ACL of the type at all,
    /// <c>allow.everyone.if.no.acl.found</c> decides.
    /// </summary>
    public bool AuthorizeByResourceType(ConnectionInfo connection, AclOperation operation, AclResourceType type)
    {
        if (_superUsers.Contains(connection.Principal))
            return true;
        var acls = _acls().ById.Values.Where(a => a.ResourceType == type).ToList();
        if (acls.Count == 0)
            return _allowIfNoAcl;
        var state = new Match(connection, operation);
        bool Applies(StandardAcl acl, AclPermissionType permission) => acl.Permission == permission
            && (acl.Principal == connection.Principal || acl.Principal == WildcardPrincipal)
            && (acl.Host == StandardAcl.Wildcard || acl.Host == (state.ClientHost ??= connection.ClientHost))
            && (acl.Operation == operation || acl.Operation == AclOperation.All);
        var denies = acls.Where(a => Applies(a, AclPermissionType.Deny)).ToList();
        if (denies.Any(d => d.PatternType == AclPatternType.Literal && d.ResourceName == StandardAcl.Wildcard))
            return false;
        bool Covered(StandardAcl allow) => denies.Any(d =>
            (d.PatternType == AclPatternType.Prefixed && allow.ResourceName.StartsWith(d.ResourceName, StringComparison.Ordinal))
            || (d.PatternType == AclPatternType.Literal && allow.PatternType == AclPatternType.Literal && d.ResourceName == allow.ResourceName));
        return acls.Any(a => Applies(a, AclPermissionType.Allow) && !Covered(a));
    }

    /// <summary>The index of the image's ACLs, rebuilt when the image's ACLs changed since the last check.</summary>
    private AclIndex Index()
    {
        var acls = _acls();
        var index = Volatile.Read(ref _index);
        if (ReferenceEquals(index.Source, acls))
            return index;
        index = new AclIndex(acls);
        Volatile.Write(ref _index, index);
        return index;
    }

    /// <summary>Applies <paramref name="acls"/> to <paramref name="state"/>; true when one of them denies.</summary>
    private static bool Check(StandardAcl[]? acls, ref Match state)
    {
        if (acls is null)
            return false;
        foreach (var acl in acls)
        {
            state.HasResourceAcls = true;
            switch (Result(acl, ref state))
            {
                case AclPermissionType.Deny:
                    return true;
                case AclPermissionType.Allow:
                    state.Allowed = true;
                    break;
            }
        }
        return false;
    }

    /// <summary>Kafka's findResult: ALLOW or DENY when <paramref name="acl"/> applies to the request, else UNKNOWN.</summary>
    private static AclPermissionType Result(StandardAcl acl, ref Match state)
    {
        if (acl.Principal != state.Connection.Principal && acl.Principal != WildcardPrincipal)
            return AclPermissionType.Unknown;
        if (acl.Host != StandardAcl.Wildcard && acl.Host != (state.ClientHost ??= state.Connection.ClientHost))
            return AclPermissionType.Unknown;
        if (acl.Operation != AclOperation.All && acl.Operation != state.Operation
            && (acl.Permission != AclPermissionType.Allow || !Implies(acl.Operation, state.Operation)))
            return AclPermissionType.Unknown;
        return acl.Permission;
    }

    /// <summary>Whether an ALLOW of <paramref name="granted"/> also allows <paramref name="wanted"/> (Kafka's IMPLIES_DESCRIBE, IMPLIES_DESCRIBE_CONFIGS).</summary>
    public static bool Implies(AclOperation granted, AclOperation wanted) => wanted switch
    {
        AclOperation.Describe => granted is AclOperation.Read or AclOperation.Write or AclOperation.Delete or AclOperation.Alter,
        AclOperation.DescribeConfigs => granted is AclOperation.AlterConfigs,
        _ => false,
    };

    private struct Match(ConnectionInfo connection, AclOperation operation)
    {
        public readonly ConnectionInfo Connection = connection;
        public readonly AclOperation Operation = operation;
        public string? ClientHost;
        public bool HasResourceAcls;
        public bool Allowed;
    }
}
