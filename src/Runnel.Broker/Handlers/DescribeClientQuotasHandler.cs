using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DescribeClientQuotas v0-1 (KIP-546), served from this broker's metadata image with Kafka's filter semantics
/// (<see cref="ClientQuotaDescriber.Describe"/>): exact, default or any name per entity type, strict or not.
/// </summary>
internal sealed class DescribeClientQuotasHandler : ApiHandler<DescribeClientQuotasRequest, DescribeClientQuotasResponse>
{
    public override ApiKey Key => ApiKey.DescribeClientQuotas;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    /// <summary>DESCRIBE_CONFIGS on the cluster, as Kafka's KafkaApis checks it.</summary>
    protected override ValueTask<DescribeClientQuotasResponse?> HandleAsync(RequestContext context, DescribeClientQuotasRequest request)
        => new(context.AuthorizeCluster(AclOperation.DescribeConfigs)
            ? ClientQuotaDescriber.Describe(context.Broker.Quorum.Loader.Image, request)
            : new DescribeClientQuotasResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed, ErrorMessage = "Cluster authorization failed.", Entries = null });
}
