using Runnel.Broker.Pipeline;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// BrokerHeartbeat v0-1 (KIP-631), served by controllers: keeps a registered broker's session alive, unfences it
/// once its metadata has caught up with its registration, and fences it when it asks to (shutdown).
/// </summary>
internal sealed class BrokerHeartbeatHandler : ApiHandler<BrokerHeartbeatRequest, BrokerHeartbeatResponse>
{
    public override ApiKey Key => ApiKey.BrokerHeartbeat;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override async ValueTask<BrokerHeartbeatResponse?> HandleAsync(RequestContext context, BrokerHeartbeatRequest request)
        => context.Broker.Quorum.Lifecycle is { } lifecycle
            ? await lifecycle.HeartbeatAsync(request, context.Cancellation).ConfigureAwait(false)
            : new BrokerHeartbeatResponse { ErrorCode = (short)ErrorCode.NotController };
}
