using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Handlers;

/// <summary>
/// Vote v0-2 (KIP-595; v2 adds PreVote, KIP-996): a candidate (or a prospective one) asks this voter for its vote
/// in an epoch. Answered by the metadata quorum member; the vote is fsynced before the reply leaves.
/// With an authorizer, needs CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED), so the principal other nodes
/// connect as must be allowed it (super.users, as in Kafka setups).
/// </summary>
internal sealed class VoteHandler : ApiHandler<VoteRequest, VoteResponse>
{
    public override ApiKey Key => ApiKey.Vote;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => true;

    protected override async ValueTask<VoteResponse?> HandleAsync(RequestContext context, VoteRequest request)
        => !context.AuthorizeCluster(AclOperation.ClusterAction)
            ? new VoteResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed }
            : await QuorumForwarding.ForwardAsync(context, Key, request,
            () => new VoteResponse { ErrorCode = (short)ErrorCode.BrokerNotAvailable }).ConfigureAwait(false);
}
