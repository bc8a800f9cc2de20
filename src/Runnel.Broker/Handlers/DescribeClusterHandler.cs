using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DescribeCluster v0-1: the cluster id, the active controller (the metadata quorum's leader), and this node as the
/// only broker; a controller-only node lists the voters instead. With an authorizer, needs DESCRIBE on the cluster
/// (CLUSTER_AUTHORIZATION_FAILED), and the authorized operations are those the principal may perform.
/// </summary>
internal sealed class DescribeClusterHandler : ApiHandler<DescribeClusterRequest, DescribeClusterResponse>
{
    /// <summary>Cluster operations (create, alter, describe, cluster action, describe/alter configs, idempotent write) as ACL bits.</summary>
    internal const int AllClusterOperations = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

    public override ApiKey Key => ApiKey.DescribeCluster;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override ValueTask<DescribeClusterResponse?> HandleAsync(RequestContext context, DescribeClusterRequest request)
    {
        if (!context.AuthorizeCluster(AclOperation.Describe))
            return new(new DescribeClusterResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed, ClusterAuthorizedOperations = int.MinValue });
        var broker = context.Broker;
        return new(new DescribeClusterResponse
        {
            EndpointType = request.EndpointType,
            ClusterId = broker.ClusterId,
            ControllerId = broker.ControllerId,
            Brokers = [.. broker.ListedNodes(context.Connection.ListenerName).Select(n => new DescribeClusterResponse.DescribeClusterBroker { BrokerId = n.Id, Host = n.Host, Port = n.Port })],
            ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations ? context.AuthorizedOperations(AclResourceType.Cluster, StandardAcl.ClusterName, AllClusterOperations) : int.MinValue,
        });
    }
}
