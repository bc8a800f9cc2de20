using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Handlers;

/// <summary>
/// BrokerHeartbeat v0-1 (KIP-631), served by controllers: keeps a registered broker's session alive, unfences it
/// once its metadata has caught up with its registration, fences it when it asks to, and takes it through controlled
/// shutdown. The connection a broker heartbeats on is watched: when it closes (the broker's process died), the
/// controller fences the broker after a short grace instead of waiting out its session.
/// With an authorizer, needs CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED), so the principal other nodes
/// connect as must be allowed it (super.users, as in Kafka setups).
/// </summary>
internal sealed class BrokerHeartbeatHandler : ApiHandler<BrokerHeartbeatRequest, BrokerHeartbeatResponse>
{
    public override ApiKey Key => ApiKey.BrokerHeartbeat;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => true;

    protected override async ValueTask<BrokerHeartbeatResponse?> HandleAsync(RequestContext context, BrokerHeartbeatRequest request)
    {
        if (!context.AuthorizeCluster(AclOperation.ClusterAction))
            return new BrokerHeartbeatResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed };
        if (context.Broker.Quorum.Lifecycle is not { } lifecycle)
            return new BrokerHeartbeatResponse { ErrorCode = (short)ErrorCode.NotController };
        var response = await lifecycle.HeartbeatAsync(request, context.Cancellation).ConfigureAwait(false);
        if (response.ErrorCode == 0 && !response.ShouldShutDown)
            lifecycle.WatchConnection(request.BrokerId, context.Connection.Id, context.Cancellation);
        return response;
    }
}
