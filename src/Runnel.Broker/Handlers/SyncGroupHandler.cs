using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// SyncGroup v0-5 (see <see cref="GroupCoordinator.SyncAsync"/>): followers wait for the leader's assignment,
/// whose bytes reach each member untouched. v3+ carry the group instance id; v4+ flexible; v5+ the protocol type
/// and name both ways (a mismatch is INCONSISTENT_GROUP_PROTOCOL).
/// </summary>
internal sealed class SyncGroupHandler : ApiHandler<SyncGroupRequest, SyncGroupResponse>
{
    public override ApiKey Key => ApiKey.SyncGroup;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<SyncGroupResponse?> HandleAsync(RequestContext context, SyncGroupRequest request)
        => await context.Broker.Groups.SyncAsync(request).WaitAsync(context.Cancellation).ConfigureAwait(false);
}
