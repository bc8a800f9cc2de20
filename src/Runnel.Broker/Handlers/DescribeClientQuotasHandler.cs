using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Protocol;
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

    protected override ValueTask<DescribeClientQuotasResponse?> HandleAsync(RequestContext context, DescribeClientQuotasRequest request)
        => new(ClientQuotaDescriber.Describe(context.Broker.Quorum.Loader.Image, request));
}
