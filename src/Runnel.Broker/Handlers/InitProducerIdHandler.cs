using Microsoft.Extensions.Logging;
using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// InitProducerId v0-5 for idempotent producers: a new producer id (from a block committed through the metadata
/// quorum) at epoch 0, as Kafka answers a producer without a transactional id — also when it passes its old id and
/// epoch (v3+), since an idempotent producer's bump is a fresh id. Advertising this is what lets the Java client's
/// default (enable.idempotence=true) and franz-go's default work. With a transactional id the transaction coordinator
/// answers (an empty one is INVALID_REQUEST, as in Kafka); a node without one (controller-only) is COORDINATOR_NOT_AVAILABLE.
/// With an authorizer: a transactional id needs WRITE on it (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); an idempotent
/// producer IDEMPOTENT_WRITE on the cluster or WRITE on some topic (CLUSTER_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class InitProducerIdHandler : ApiHandler<InitProducerIdRequest, InitProducerIdResponse>
{
    public override ApiKey Key => ApiKey.InitProducerId;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<InitProducerIdResponse?> HandleAsync(RequestContext context, InitProducerIdRequest request)
    {
        if (request.TransactionalId is { Length: 0 })
            return new InitProducerIdResponse { ErrorCode = (short)ErrorCode.InvalidRequest, ProducerEpoch = -1 };
        if (request.TransactionalId is { } writer && !context.AuthorizeTransactionalId(AclOperation.Write, writer))
            return new InitProducerIdResponse { ErrorCode = (short)ErrorCode.TransactionalIdAuthorizationFailed, ProducerEpoch = -1 };
        if (request.TransactionalId is null && !context.AuthorizeCluster(AclOperation.IdempotentWrite)
            && !context.AuthorizeByResourceType(AclOperation.Write, AclResourceType.Topic))
            return new InitProducerIdResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed, ProducerEpoch = -1 };
        if (request.TransactionalId is { } transactionalId)
        {
            if (context.Broker.Transactions is not { } coordinator)
                return new InitProducerIdResponse { ErrorCode = (short)ErrorCode.CoordinatorNotAvailable, ProducerEpoch = -1 };
            var result = await coordinator.InitProducerIdAsync(transactionalId, request.TransactionTimeoutMs, request.ProducerId, request.ProducerEpoch,
                context.Cancellation).ConfigureAwait(false);
            return new InitProducerIdResponse
            {
                ErrorCode = TransactionErrors.ForVersion(result.Error, context.Version, fencedSince: 4),
                ProducerId = result.ProducerId,
                ProducerEpoch = result.ProducerEpoch,
            };
        }
        try
        {
            var producerId = await context.Broker.ProducerIds.NextAsync(context.Cancellation).ConfigureAwait(false);
            return new InitProducerIdResponse { ProducerId = producerId, ProducerEpoch = 0 };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The metadata quorum could not commit a new block (no active controller): retriable for the client.
            context.Broker.LoggerFactory.CreateLogger("Runnel.Producers").LogWarning("No producer id block: {Reason}", e.Message);
            return new InitProducerIdResponse { ErrorCode = (short)ErrorCode.CoordinatorNotAvailable, ProducerEpoch = -1 };
        }
    }
}
