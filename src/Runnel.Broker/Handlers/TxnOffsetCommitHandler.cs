using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// TxnOffsetCommit v0-4 (see <see cref="GroupCoordinator.CommitTransactionalOffsetsAsync"/>): a transactional producer's
/// offsets for a group, pending in __consumer_offsets until the transaction's marker ends them. v2+ the leader epoch;
/// v3+ flexible, with the member's generation, member id and group instance id, checked as KIP-447 asks; before v2
/// COORDINATOR_LOAD_IN_PROGRESS is answered COORDINATOR_NOT_AVAILABLE, which older producers expect.
/// </summary>
internal sealed class TxnOffsetCommitHandler : ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>
{
    public override ApiKey Key => ApiKey.TxnOffsetCommit;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override async ValueTask<TxnOffsetCommitResponse?> HandleAsync(RequestContext context, TxnOffsetCommitRequest request)
        => await context.Broker.Groups.CommitTransactionalOffsetsAsync(request, context.Version).ConfigureAwait(false);
}
