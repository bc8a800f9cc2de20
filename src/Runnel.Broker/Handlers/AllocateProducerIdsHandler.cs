using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Metadata.Controller;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Handlers;

/// <summary>
/// AllocateProducerIds v0 (KIP-730), served by controllers: a broker that is not the active controller gets its next
/// block of producer ids, committed through the metadata quorum, so ids never repeat across brokers or restarts.
/// NOT_CONTROLLER elsewhere; STALE_BROKER_EPOCH for a broker that is not registered with that epoch.
/// With an authorizer, needs CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED), so the principal other nodes
/// connect as must be allowed it (super.users, as in Kafka setups).
/// </summary>
internal sealed class AllocateProducerIdsHandler : ApiHandler<AllocateProducerIdsRequest, AllocateProducerIdsResponse>
{
    public override ApiKey Key => ApiKey.AllocateProducerIds;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => true;

    protected override async ValueTask<AllocateProducerIdsResponse?> HandleAsync(RequestContext context, AllocateProducerIdsRequest request)
    {
        if (!context.AuthorizeCluster(AclOperation.ClusterAction))
            return new AllocateProducerIdsResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed };
        var quorum = context.Broker.Quorum;
        if (!quorum.Loader.IsActiveController)
            return new AllocateProducerIdsResponse { ErrorCode = (short)ErrorCode.NotController };
        if (quorum.Loader.Image.Cluster.Brokers.GetValueOrDefault(request.BrokerId) is not { } broker || (request.BrokerEpoch != -1 && broker.Epoch != request.BrokerEpoch))
            return new AllocateProducerIdsResponse { ErrorCode = (short)ErrorCode.StaleBrokerEpoch };
        try
        {
            var start = await quorum.Controller.ExecuteAsync(image => ClusterControlManager.AllocateProducerIds(image, request.BrokerId), context.Cancellation)
                .ConfigureAwait(false);
            return new AllocateProducerIdsResponse { ProducerIdStart = start, ProducerIdLen = (int)ClusterControlManager.ProducerIdBlockSize };
        }
        catch (Exception e) when (e is NotControllerException or TimeoutException)
        {
            return new AllocateProducerIdsResponse { ErrorCode = (short)ErrorCode.NotController };
        }
    }
}
