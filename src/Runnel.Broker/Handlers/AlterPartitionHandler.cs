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
/// AlterPartition v0-3, served by controllers: a partition leader asks to change its ISR. The active controller decides
/// (<see cref="ReplicationControlManager.AlterPartition"/>) and answers once the change is committed, with the
/// partition's leader, epochs and ISR as they now are; any other controller answers NOT_CONTROLLER. v2+ name topics by
/// id; v3 carries each ISR member's broker epoch (KIP-903).
/// With an authorizer, needs CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED), so the principal other nodes
/// connect as must be allowed it (super.users, as in Kafka setups).
/// </summary>
internal sealed class AlterPartitionHandler : ApiHandler<AlterPartitionRequest, AlterPartitionResponse>
{
    public override ApiKey Key => ApiKey.AlterPartition;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => true;

    protected override async ValueTask<AlterPartitionResponse?> HandleAsync(RequestContext context, AlterPartitionRequest request)
    {
        if (!context.AuthorizeCluster(AclOperation.ClusterAction))
            return new AlterPartitionResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed };
        var quorum = context.Broker.Quorum;
        var version = context.Version;
        if (!quorum.Loader.IsActiveController)
            return new AlterPartitionResponse { ErrorCode = (short)ErrorCode.NotController };
        try
        {
            return await quorum.Controller.ExecuteAsync(image => ReplicationControlManager.AlterPartition(image, request, version, quorum.Policy),
                context.Cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NotControllerException or TimeoutException)
        {
            return new AlterPartitionResponse { ErrorCode = (short)ErrorCode.NotController };
        }
    }
}
