using Runnel.Client.Metadata;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Client.Admin;

/// <summary>A transactional id as ListTransactions reports it.</summary>
public sealed record TransactionListing(string TransactionalId, long ProducerId, string State);

/// <summary>A transactional id's producer, state and open transaction (DescribeTransactions).</summary>
public sealed record TransactionDescription(string TransactionalId, int CoordinatorId, string State, long ProducerId, short ProducerEpoch, int TimeoutMs,
    long StartTimeMs, IReadOnlyList<TopicPartition> Partitions);

/// <summary>Transactions: the ids every coordinator knows, and one id's state.</summary>
public sealed partial class RunnelAdminClient
{
    /// <summary>
    /// The transactional ids of every broker, sorted by id, optionally only those in <paramref name="states"/> (Kafka's
    /// state names: Empty, Ongoing, PrepareCommit, ...) or of <paramref name="producerIds"/>; with
    /// <paramref name="openLongerThanMs"/>, only transactions open longer than that.
    /// </summary>
    public async Task<IReadOnlyList<TransactionListing>> ListTransactionsAsync(IReadOnlyCollection<string>? states = null,
        IReadOnlyCollection<long>? producerIds = null, long openLongerThanMs = -1, CancellationToken cancellationToken = default)
    {
        var metadata = await _cluster.RefreshAsync(topics: [], allowAutoCreate: false, cancellationToken).ConfigureAwait(false);
        var listed = new List<TransactionListing>();
        foreach (var nodeId in metadata.Brokers.Keys)
        {
            var connection = await _cluster.NodeAsync(nodeId, cancellationToken).ConfigureAwait(false);
            var request = new ListTransactionsRequest { StateFilters = [.. states ?? []], ProducerIdFilters = [.. producerIds ?? []], DurationFilter = openLongerThanMs };
            var response = await connection.SendAsync<ListTransactionsResponse>(ApiKey.ListTransactions, request, cancellationToken).ConfigureAwait(false);
            RunnelException.ThrowIfError(response.ErrorCode, $"Listing the transactions of broker {nodeId}");
            listed.AddRange(response.TransactionStates.Select(t => new TransactionListing(t.TransactionalId, t.ProducerId, t.TransactionState)));
        }
        return [.. listed.DistinctBy(t => t.TransactionalId).OrderBy(t => t.TransactionalId, StringComparer.Ordinal)];
    }

    /// <summary>The state of <paramref name="transactionalId"/> at its coordinator; TRANSACTIONAL_ID_NOT_FOUND when no producer used it.</summary>
    public async Task<TransactionDescription> DescribeTransactionAsync(string transactionalId, CancellationToken cancellationToken = default)
    {
        var (coordinator, state) = await _cluster.WithCoordinatorAsync(transactionalId, async connection =>
        {
            var response = await connection.SendAsync<DescribeTransactionsResponse>(ApiKey.DescribeTransactions,
                new DescribeTransactionsRequest { TransactionalIds = [transactionalId] }, cancellationToken).ConfigureAwait(false);
            var state = response.TransactionStates.Single();
            return ((ErrorCode)state.ErrorCode, (connection.NodeId, state));
        }, cancellationToken, CoordinatorType.Transaction).ConfigureAwait(false);
        RunnelException.ThrowIfError(state.ErrorCode, $"Describing transactional id '{transactionalId}'");
        return new TransactionDescription(transactionalId, coordinator, state.TransactionState, state.ProducerId, state.ProducerEpoch, state.TransactionTimeoutMs,
            state.TransactionStartTimeMs, [.. state.Topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p)))]);
    }
}
