using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// EndTxn v0-4: commits or aborts the producer's transaction. v5 (KIP-890 part 2: an epoch bump per transaction,
/// with Produce v12) is not served, so clients keep one epoch across their transactions, as with Kafka before 4.0.
/// With an authorizer, needs WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class EndTxnHandler : ApiHandler<EndTxnRequest, EndTxnResponse>
{
    public override ApiKey Key => ApiKey.EndTxn;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override async ValueTask<EndTxnResponse?> HandleAsync(RequestContext context, EndTxnRequest request)
    {
        if (!context.AuthorizeTransactionalId(AclOperation.Write, request.TransactionalId))
            return new EndTxnResponse { ErrorCode = (short)ErrorCode.TransactionalIdAuthorizationFailed };
        if (context.Broker.Transactions is not { } coordinator)
            return new EndTxnResponse { ErrorCode = (short)ErrorCode.CoordinatorNotAvailable };
        var error = await coordinator.EndTransactionAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.Committed).ConfigureAwait(false);
        return new EndTxnResponse { ErrorCode = TransactionErrors.ForVersion(error, context.Version, fencedSince: 2) };
    }
}
