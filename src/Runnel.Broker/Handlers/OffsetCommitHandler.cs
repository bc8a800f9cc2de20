using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// OffsetCommit v0-9 (see <see cref="GroupCoordinator.CommitOffsetsAsync"/>), stored in __consumer_offsets.
/// v0 has no generation (a simple commit, kept in the log as the later versions are); v1 a per-partition commit
/// time; v2-4 a retention time that sets an explicit expiry; v6+ the leader epoch; v7+ the group instance id;
/// v8+ flexible; v9 answers GROUP_ID_NOT_FOUND rather than ILLEGAL_GENERATION for a generation of an unknown group.
/// </summary>
internal sealed class OffsetCommitHandler : ApiHandler<OffsetCommitRequest, OffsetCommitResponse>
{
    public override ApiKey Key => ApiKey.OffsetCommit;

    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    protected override async ValueTask<OffsetCommitResponse?> HandleAsync(RequestContext context, OffsetCommitRequest request)
        => await context.Broker.Groups.CommitOffsetsAsync(request, context.Version).ConfigureAwait(false);
}
