namespace Runnel.Broker.Transactions;

/// <summary>
/// Where a transactional id's current transaction is, with the byte Kafka stores in __transaction_state
/// (TransactionState.java). PrepareEpochFence is never stored: it marks, in memory, a fenced producer whose open
/// transaction the coordinator is about to abort.
/// </summary>
internal enum TransactionState : sbyte
{
    Empty = 0,
    Ongoing = 1,
    PrepareCommit = 2,
    PrepareAbort = 3,
    CompleteCommit = 4,
    CompleteAbort = 5,
    Dead = 6,
    PrepareEpochFence = 7,
}

internal static class TransactionStates
{
    /// <summary>The names ListTransactions and DescribeTransactions use (TransactionState.stateName in Kafka).</summary>
    public static string Name(this TransactionState state) => state switch
    {
        TransactionState.Empty => "Empty",
        TransactionState.Ongoing => "Ongoing",
        TransactionState.PrepareCommit => "PrepareCommit",
        TransactionState.PrepareAbort => "PrepareAbort",
        TransactionState.CompleteCommit => "CompleteCommit",
        TransactionState.CompleteAbort => "CompleteAbort",
        TransactionState.Dead => "Dead",
        TransactionState.PrepareEpochFence => "PrepareEpochFence",
        _ => state.ToString(),
    };

    public static TransactionState? FromName(string name)
    {
        foreach (var state in Enum.GetValues<TransactionState>())
        {
            if (state.Name() == name)
                return state;
        }
        return null;
    }
}
