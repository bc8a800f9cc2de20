using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// ElectLeaders v0-2 (KIP-183, KIP-460), decided by the active controller
/// (<see cref="ReplicationControlManager.ElectLeaders"/>; other nodes forward it, see <see cref="ControllerDecision"/>):
/// PREFERRED (v0's only type) or UNCLEAN elections for the named partitions, or with a null list every partition
/// (those needing no election left out). Per partition NONE, ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
/// ELIGIBLE_LEADERS_NOT_AVAILABLE or UNKNOWN_TOPIC_OR_PARTITION. A request-wide failure (an unknown election type:
/// INVALID_REQUEST; NOT_CONTROLLER, REQUEST_TIMED_OUT) is the top-level error from v1 and, as Kafka's error response
/// does, every named partition's error.
/// With an authorizer, needs ALTER on the cluster (CLUSTER_AUTHORIZATION_FAILED), checked on the node that received the
/// request before it forwards.
/// </summary>
internal sealed class ElectLeadersHandler : ApiHandler<ElectLeadersRequest, ElectLeadersResponse>
{
    public override ApiKey Key => ApiKey.ElectLeaders;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override async ValueTask<ElectLeadersResponse?> HandleAsync(RequestContext context, ElectLeadersRequest request)
    {
        if (!context.AuthorizeCluster(AclOperation.Alter))
            return ErrorResponse(request, ErrorCode.ClusterAuthorizationFailed, null);
        if (context.Version == 0)
            request.ElectionType = 0;
        if (ReplicationControlManager.ElectionOf(request.ElectionType) is not { } election)
            return ErrorResponse(request, ErrorCode.InvalidRequest, $"Unsupported election type {request.ElectionType}.");
        return await ControllerDecision.RunAsync(context, Key, MaxVersion, request,
            image => ReplicationControlManager.ElectLeaders(image, election, request.TopicPartitions),
            r => (ErrorCode)r.ErrorCode, (error, message) => ErrorResponse(request, error, message), changes: true).ConfigureAwait(false);
    }

    /// <summary>Kafka's ElectLeadersRequest.getErrorResponse: the error at the top (not encoded before v1) and on every named partition.</summary>
    private static ElectLeadersResponse ErrorResponse(ElectLeadersRequest request, ErrorCode error, string? message) => new()
    {
        ErrorCode = (short)error,
        ReplicaElectionResults = [.. (request.TopicPartitions ?? []).Select(t => new ElectLeadersResponse.ReplicaElectionResult
        {
            Topic = t.Topic,
            PartitionResult = [.. t.Partitions.Select(p => new ElectLeadersResponse.PartitionResult { PartitionId = p, ErrorCode = (short)error, ErrorMessage = message })],
        })],
    };
}
