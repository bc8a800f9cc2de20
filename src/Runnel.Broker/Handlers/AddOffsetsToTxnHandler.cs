using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Storage;

namespace Runnel.Broker.Handlers;

/// <summary>
/// AddOffsetsToTxn v0-4: the group's __consumer_offsets partition joins the producer's transaction, so the
/// coordinator writes a marker there too and the offsets the producer commits with TxnOffsetCommit count only if the
/// transaction commits.
/// With an authorizer: WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), then READ on the group
/// (GROUP_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class AddOffsetsToTxnHandler : ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>
{
    public override ApiKey Key => ApiKey.AddOffsetsToTxn;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override async ValueTask<AddOffsetsToTxnResponse?> HandleAsync(RequestContext context, AddOffsetsToTxnRequest request)
    {
        if (!context.AuthorizeTransactionalId(AclOperation.Write, request.TransactionalId))
            return new AddOffsetsToTxnResponse { ErrorCode = (short)ErrorCode.TransactionalIdAuthorizationFailed };
        if (!context.AuthorizeGroup(AclOperation.Read, request.GroupId))
            return new AddOffsetsToTxnResponse { ErrorCode = (short)ErrorCode.GroupAuthorizationFailed };
        if (context.Broker.Transactions is not { } coordinator)
            return new AddOffsetsToTxnResponse { ErrorCode = (short)ErrorCode.CoordinatorNotAvailable };
        var offsetsPartition = context.Broker.Groups.PartitionFor(request.GroupId);
        var error = await coordinator.AddPartitionsAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch,
            [new TopicPartition(OffsetsTopicStore.TopicName, offsetsPartition)]).ConfigureAwait(false);
        return new AddOffsetsToTxnResponse { ErrorCode = TransactionErrors.ForVersion(error, context.Version, fencedSince: 2) };
    }
}
