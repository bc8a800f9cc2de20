using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Handlers;

/// <summary>EndQuorumEpoch v0-1: a resigning leader tells this voter; its preferred successors campaign first. With an authorizer, needs CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED).</summary>
internal sealed class EndQuorumEpochHandler : ApiHandler<EndQuorumEpochRequest, EndQuorumEpochResponse>
{
    public override ApiKey Key => ApiKey.EndQuorumEpoch;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => true;

    protected override async ValueTask<EndQuorumEpochResponse?> HandleAsync(RequestContext context, EndQuorumEpochRequest request)
        => !context.AuthorizeCluster(AclOperation.ClusterAction)
            ? new EndQuorumEpochResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed }
            : await QuorumForwarding.ForwardAsync(context, Key, request,
            () => new EndQuorumEpochResponse { ErrorCode = (short)ErrorCode.BrokerNotAvailable }).ConfigureAwait(false);
}
