using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// AlterPartitionReassignments v0 (KIP-455), decided by the active controller
/// (<see cref="ReplicationControlManager.AlterPartitionReassignments"/>; other nodes forward it): per partition, a
/// replica list starts moving it there, null cancels the move in progress. Per-partition errors: UNKNOWN_TOPIC_OR_PARTITION,
/// INVALID_REPLICA_ASSIGNMENT, NO_REASSIGNMENT_IN_PROGRESS; the answer comes once the move has started (or completed,
/// when no new replica has to catch up), not when it is done. A request-wide failure (NOT_CONTROLLER,
/// REQUEST_TIMED_OUT) is the top-level error and every partition's.
/// With an authorizer, needs ALTER on the cluster (CLUSTER_AUTHORIZATION_FAILED), checked on the node that received the
/// request before it forwards.
/// </summary>
internal sealed class AlterPartitionReassignmentsHandler : ApiHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>
{
    public override ApiKey Key => ApiKey.AlterPartitionReassignments;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override async ValueTask<AlterPartitionReassignmentsResponse?> HandleAsync(RequestContext context, AlterPartitionReassignmentsRequest request)
    {
        if (!context.AuthorizeCluster(AclOperation.Alter))
            return ErrorResponse(request, ErrorCode.ClusterAuthorizationFailed, "Not authorized to alter the cluster.");
        var policy = context.Broker.Quorum.Policy;
        return await ControllerDecision.RunAsync(context, Key, MaxVersion, request,
            image => ReplicationControlManager.AlterPartitionReassignments(image, request, policy),
            r => (ErrorCode)r.ErrorCode, (error, message) => ErrorResponse(request, error, message), changes: true).ConfigureAwait(false);
    }

    /// <summary>Kafka's AlterPartitionReassignmentsRequest.getErrorResponse: the error at the top and on every partition.</summary>
    private static AlterPartitionReassignmentsResponse ErrorResponse(AlterPartitionReassignmentsRequest request, ErrorCode error, string message) => new()
    {
        ErrorCode = (short)error,
        ErrorMessage = message,
        Responses = [.. request.Topics.Select(t => new AlterPartitionReassignmentsResponse.ReassignableTopicResponse
        {
            Name = t.Name,
            Partitions = [.. t.Partitions.Select(p => new AlterPartitionReassignmentsResponse.ReassignablePartitionResponse
            {
                PartitionIndex = p.PartitionIndex,
                ErrorCode = (short)error,
                ErrorMessage = message,
            })],
        })],
    };
}
