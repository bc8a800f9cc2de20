using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// ListPartitionReassignments v0 (KIP-455), answered by the active controller from its committed image
/// (<see cref="ReplicationControlManager.ListPartitionReassignments"/>; other nodes forward it, as Kafka's do): the
/// partitions being moved, with their replicas, adding and removing replicas; every topic when the list is null.
/// Partitions that do not exist or are not moving are left out. NOT_CONTROLLER or REQUEST_TIMED_OUT at the top when no
/// active controller answers.
/// With an authorizer, needs DESCRIBE on the cluster (CLUSTER_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class ListPartitionReassignmentsHandler : ApiHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>
{
    public override ApiKey Key => ApiKey.ListPartitionReassignments;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override async ValueTask<ListPartitionReassignmentsResponse?> HandleAsync(RequestContext context, ListPartitionReassignmentsRequest request)
        => !context.AuthorizeCluster(AclOperation.Describe)
            ? new ListPartitionReassignmentsResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed }
            : await ControllerDecision.RunAsync(context, Key, MaxVersion, request,
            image => ControllerResult.Of(ReplicationControlManager.ListPartitionReassignments(image, request.Topics)),
            r => (ErrorCode)r.ErrorCode, (error, message) => new ListPartitionReassignmentsResponse { ErrorCode = (short)error, ErrorMessage = message },
            changes: false).ConfigureAwait(false);
}
