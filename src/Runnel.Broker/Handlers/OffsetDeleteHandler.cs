using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// OffsetDelete v0 (see <see cref="GroupCoordinator.DeleteOffsets"/>): deletes a group's offsets of topics it no
/// longer consumes; GROUP_SUBSCRIBED_TO_TOPIC per partition of a topic its members subscribe to.
/// </summary>
internal sealed class OffsetDeleteHandler : ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse>
{
    public override ApiKey Key => ApiKey.OffsetDelete;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<OffsetDeleteResponse?> HandleAsync(RequestContext context, OffsetDeleteRequest request)
        => new(context.Broker.Groups.DeleteOffsets(request));
}
