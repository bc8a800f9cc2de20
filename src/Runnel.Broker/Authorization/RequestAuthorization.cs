using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;

namespace Runnel.Broker.Authorization;

/// <summary>
/// The one way handlers check a request against the authorizer. With no authorizer configured every check is a
/// null test and allows. A request a node forwards to the controller is checked here, on the node that received it,
/// with the client's principal; the controller trusts the forwarding broker (Kafka's envelope carries the principal
/// for the same purpose).
/// </summary>
internal static class RequestAuthorization
{
    public static bool Authorize(this RequestContext context, AclOperation operation, AclResourceType type, string name)
        => context.Broker.Authorizer is not { } authorizer || authorizer.Authorize(context.Connection, operation, type, name);

    public static bool AuthorizeCluster(this RequestContext context, AclOperation operation)
        => context.Authorize(operation, AclResourceType.Cluster, StandardAcl.ClusterName);

    public static bool AuthorizeTopic(this RequestContext context, AclOperation operation, string topic)
        => context.Authorize(operation, AclResourceType.Topic, topic);

    public static bool AuthorizeGroup(this RequestContext context, AclOperation operation, string group)
        => context.Authorize(operation, AclResourceType.Group, group);

    public static bool AuthorizeTransactionalId(this RequestContext context, AclOperation operation, string transactionalId)
        => context.Authorize(operation, AclResourceType.TransactionalId, transactionalId);

    /// <summary>Whether the principal may perform <paramref name="operation"/> on some resource of <paramref name="type"/>.</summary>
    public static bool AuthorizeByResourceType(this RequestContext context, AclOperation operation, AclResourceType type)
        => context.Broker.Authorizer is not { } authorizer || authorizer.AuthorizeByResourceType(context.Connection, operation, type);

    /// <summary>
    /// Kafka's authorizedOperations: the bit set (1 &lt;&lt; operation code) of those of <paramref name="operations"/> the
    /// principal may perform on the resource; every one of them with no authorizer.
    /// </summary>
    public static int AuthorizedOperations(this RequestContext context, AclResourceType type, string name, int operations)
    {
        if (context.Broker.Authorizer is not { } authorizer)
            return operations;
        var allowed = 0;
        for (var code = (int)AclOperation.Read; code <= (int)AclOperation.TwoPhaseCommit; code++)
        {
            if ((operations & (1 << code)) != 0 && authorizer.Authorize(context.Connection, (AclOperation)code, type, name))
                allowed |= 1 << code;
        }
        return allowed;
    }

    /// <summary>True when an authorizer is configured (the ACL APIs answer SECURITY_DISABLED otherwise).</summary>
    public static bool HasAuthorizer(this RequestContext context) => context.Broker.Authorizer is not null;
}
