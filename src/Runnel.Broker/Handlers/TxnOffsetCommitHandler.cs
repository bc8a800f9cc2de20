using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// TxnOffsetCommit v0-4 (see <see cref="GroupCoordinator.CommitTransactionalOffsetsAsync"/>): a transactional producer's
/// offsets for a group, pending in __consumer_offsets until the transaction's marker ends them. v2+ the leader epoch;
/// v3+ flexible, with the member's generation, member id and group instance id, checked as KIP-447 asks; before v2
/// COORDINATOR_LOAD_IN_PROGRESS is answered COORDINATOR_NOT_AVAILABLE, which older producers expect.
/// With an authorizer: WRITE on the transactional id, READ on the group (TRANSACTIONAL_ID_ or
/// GROUP_AUTHORIZATION_FAILED for every partition), and READ on each topic (TOPIC_AUTHORIZATION_FAILED; not committed).
/// </summary>
internal sealed class TxnOffsetCommitHandler : ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>
{
    public override ApiKey Key => ApiKey.TxnOffsetCommit;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override async ValueTask<TxnOffsetCommitResponse?> HandleAsync(RequestContext context, TxnOffsetCommitRequest request)
    {
        if (!context.AuthorizeTransactionalId(AclOperation.Write, request.TransactionalId))
            return Refused(request.Topics, ErrorCode.TransactionalIdAuthorizationFailed);
        if (!context.AuthorizeGroup(AclOperation.Read, request.GroupId))
            return Refused(request.Topics, ErrorCode.GroupAuthorizationFailed);
        var refused = context.HasAuthorizer() ? request.Topics.Where(t => !context.AuthorizeTopic(AclOperation.Read, t.Name)).ToList() : [];
        if (refused.Count == 0)
            return await context.Broker.Groups.CommitTransactionalOffsetsAsync(request, context.Version).ConfigureAwait(false);
        // As Kafka: topics the principal may not READ answer TOPIC_AUTHORIZATION_FAILED and are not committed.
        request.Topics = [.. request.Topics.Except(refused)];
        var response = request.Topics.Count == 0 ? new TxnOffsetCommitResponse() : await context.Broker.Groups.CommitTransactionalOffsetsAsync(request, context.Version).ConfigureAwait(false);
        response.Topics.AddRange(Refused(refused, ErrorCode.TopicAuthorizationFailed).Topics);
        return response;
    }

    private static TxnOffsetCommitResponse Refused(IEnumerable<TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic> topics, ErrorCode error) => new()
    {
        Topics = [.. topics.Select(t => new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic
        {
            Name = t.Name,
            Partitions = [.. t.Partitions.Select(p => new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error })],
        })],
    };
}
