using Runnel.Broker.Pipeline;
using Runnel.Broker.Transactions;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>DescribeTransactions v0: each transactional id's producer, epoch, state, timeout, start time and partitions, from its coordinator.</summary>
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
            var (error, transaction) = context.Broker.Transactions?.Describe(transactionalId) ?? (ErrorCode.CoordinatorNotAvailable, null);
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
                    Topics = [.. transaction.Partitions.GroupBy(p => p.Topic).Select(t => new DescribeTransactionsResponse.TopicData
                    {
                        Topic = t.Key,
                        Partitions = [.. t.Select(p => p.Partition).Order()],
                    })],
                });
        }
        return new(response);
    }
}
