using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Handlers;

/// <summary>
/// BrokerRegistration v0-4 (KIP-631), served by controllers: a broker-only node registers its listeners and gets a
/// broker epoch, starting fenced. Only the active controller accepts; the others answer NOT_CONTROLLER.
/// With an authorizer, needs CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED), so the principal other nodes
/// connect as must be allowed it (super.users, as in Kafka setups).
/// </summary>
internal sealed class BrokerRegistrationHandler : ApiHandler<BrokerRegistrationRequest, BrokerRegistrationResponse>
{
    public override ApiKey Key => ApiKey.BrokerRegistration;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => true;

    protected override async ValueTask<BrokerRegistrationResponse?> HandleAsync(RequestContext context, BrokerRegistrationRequest request)
        => !context.AuthorizeCluster(AclOperation.ClusterAction)
            ? new BrokerRegistrationResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed }
            : context.Broker.Quorum.Lifecycle is { } lifecycle
            ? await lifecycle.RegisterAsync(request, context.Cancellation).ConfigureAwait(false)
            : new BrokerRegistrationResponse { ErrorCode = (short)ErrorCode.NotController };
}
