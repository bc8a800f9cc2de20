using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Handlers;

/// <summary>FetchSnapshot v0-1: a follower behind the leader's log start downloads the metadata snapshot in chunks. With an authorizer, needs CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED).</summary>
internal sealed class FetchSnapshotHandler : ApiHandler<FetchSnapshotRequest, FetchSnapshotResponse>
{
    public override ApiKey Key => ApiKey.FetchSnapshot;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => true;

    protected override async ValueTask<FetchSnapshotResponse?> HandleAsync(RequestContext context, FetchSnapshotRequest request)
        => !context.AuthorizeCluster(AclOperation.ClusterAction)
            ? new FetchSnapshotResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed }
            : await QuorumForwarding.ForwardAsync(context, Key, request,
            () => new FetchSnapshotResponse { ErrorCode = (short)ErrorCode.BrokerNotAvailable }).ConfigureAwait(false);
}
