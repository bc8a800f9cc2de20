using Runnel.Broker.Pipeline;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>DescribeCluster v0-1: the cluster id, and this node as the only broker and the controller.</summary>
internal sealed class DescribeClusterHandler : ApiHandler<DescribeClusterRequest, DescribeClusterResponse>
{
    /// <summary>Cluster operations (create, alter, describe, cluster action, describe/alter configs, idempotent write) as ACL bits.</summary>
    private const int AllClusterOperations = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

    public override ApiKey Key => ApiKey.DescribeCluster;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override ValueTask<DescribeClusterResponse?> HandleAsync(RequestContext context, DescribeClusterRequest request)
    {
        var broker = context.Broker;
        var (host, port) = broker.AdvertisedFor(context.Connection.ListenerName);
        return new(new DescribeClusterResponse
        {
            EndpointType = request.EndpointType,
            ClusterId = broker.ClusterId,
            ControllerId = broker.NodeId,
            Brokers = [new DescribeClusterResponse.DescribeClusterBroker { BrokerId = broker.NodeId, Host = host, Port = port }],
            ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations ? AllClusterOperations : int.MinValue,
        });
    }
}
