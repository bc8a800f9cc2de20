using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Transactions;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// ListTransactions v0-1: the transactional ids this broker coordinates, filtered by state, producer id and (v1) the
/// time a transaction has been open. State filters that name no state are echoed in UnknownStateFilters, as in Kafka.
/// With an authorizer, only the transactional ids the principal may DESCRIBE are listed.
/// </summary>
internal sealed class ListTransactionsHandler : ApiHandler<ListTransactionsRequest, ListTransactionsResponse>
{
    public override ApiKey Key => ApiKey.ListTransactions;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override ValueTask<ListTransactionsResponse?> HandleAsync(RequestContext context, ListTransactionsRequest request)
    {
        if (context.Broker.Transactions is not { } coordinator)
            return new(new ListTransactionsResponse { ErrorCode = (short)ErrorCode.CoordinatorNotAvailable });
        var states = new HashSet<TransactionState>();
        var unknown = new List<string>();
        foreach (var name in request.StateFilters)
        {
            if (TransactionStates.FromName(name) is { } state)
                states.Add(state);
            else
                unknown.Add(name);
        }
        var (error, listed) = coordinator.List(states, request.ProducerIdFilters.ToHashSet(), request.DurationFilter);
        return new(new ListTransactionsResponse
        {
            ErrorCode = (short)error,
            UnknownStateFilters = unknown,
            TransactionStates = [.. listed.Where(t => context.AuthorizeTransactionalId(AclOperation.Describe, t.TransactionalId)).Select(t => new ListTransactionsResponse.TransactionStateData
            {
                TransactionalId = t.TransactionalId,
                ProducerId = t.ProducerId,
                TransactionState = t.State.Name(),
            })],
        });
    }
}
