using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Transactions;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
///DescribeTransactions v0: each transactional id's producer, epoch, state, timeout, start time and partitions, from its coordinator.
/// With an authorizer, a transactional id needs DESCRIBE (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), and only the topics
/// the principal may DESCRIBE are listed.
/// </summary>
internal sealed class DescribeTransactionsHandler : ApiHandler<DescribeTransactionsRequest, DescribeTransactionsResponse>
{
    public override ApiKey Key => ApiKey.DescribeTransactions;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<DescribeTransactionsResponse?> HandleAsync(RequestContext context, DescribeTransactionsRequest request)
    {
        var response = new DescribeTransactionsResponse();
        foreach (var transactionalId in request.TransactionalIds)
        {
            var (error, transaction) = !context.AuthorizeTransactionalId(AclOperation.Describe, transactionalId)
                ? (ErrorCode.TransactionalIdAuthorizationFailed, null)
                : context.Broker.Transactions?.Describe(transactionalId) ?? (ErrorCode.CoordinatorNotAvailable, null);
            response.TransactionStates.Add(transaction is null
                ? new DescribeTransactionsResponse.TransactionStateData { ErrorCode = (short)error, TransactionalId = transactionalId }
                : new DescribeTransactionsResponse.TransactionStateData
                {
                    TransactionalId = transactionalId,
                    TransactionState = transaction.State.Name(),
                    TransactionTimeoutMs = transaction.TimeoutMs,
                    TransactionStartTimeMs = transaction.StartTimestampMs,
                    ProducerId = transaction.ProducerId,
                    ProducerEpoch = transaction.ProducerEpoch,
                    // As Kafka: only the topics the principal may DESCRIBE.
                    Topics = [.. transaction.Partitions.GroupBy(p => p.Topic).Where(t => context.AuthorizeTopic(AclOperation.Describe, t.Key)).Select(t => new DescribeTransactionsResponse.TopicData
                    {
                        Topic = t.Key,
                        Partitions = [.. t.Select(p => p.Partition).Order()],
                    })],
                });
        }
        return new(response);
    }
}
