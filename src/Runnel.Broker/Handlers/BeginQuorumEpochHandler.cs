using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Handlers;

/// <summary>BeginQuorumEpoch v0-1: a newly elected leader tells this voter about its epoch; the voter starts following. With an authorizer, needs CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED).</summary>
internal sealed class BeginQuorumEpochHandler : ApiHandler<BeginQuorumEpochRequest, BeginQuorumEpochResponse>
{
    public override ApiKey Key => ApiKey.BeginQuorumEpoch;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => true;

    protected override async ValueTask<BeginQuorumEpochResponse?> HandleAsync(RequestContext context, BeginQuorumEpochRequest request)
        => !context.AuthorizeCluster(AclOperation.ClusterAction)
            ? new BeginQuorumEpochResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed }
            : await QuorumForwarding.ForwardAsync(context, Key, request,
            () => new BeginQuorumEpochResponse { ErrorCode = (short)ErrorCode.BrokerNotAvailable }).ConfigureAwait(false);
}
