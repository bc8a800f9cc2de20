namespace Runnel.Broker.Transactions;

/// <summary>
/// A transactional id as its coordinator holds it (Kafka's TransactionMetadata): the state last written to
/// __transaction_state (<see cref="Current"/>) and the transition being written (<see cref="Pending"/>). While a
/// transition is pending every other request for the id is CONCURRENT_TRANSACTIONS, so transitions are written one at
/// a time and in order. Read and change it only under its lock (<c>lock (metadata)</c>).
/// </summary>
internal sealed class TransactionMetadata(string transactionalId, TransactionSnapshot current)
{
    public string TransactionalId { get; } = transactionalId;

    public TransactionSnapshot Current { get; private set; } = current;

    public TransactionSnapshot? Pending { get; private set; }

    public bool HasPending => Pending is not null;

    /// <summary>The background work last started for this id (an end: markers, then the Complete state; an abort; an expiry).</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    /// <summary>Starts writing <paramref name="next"/>; the caller holds the lock and has checked there is no pending transition.</summary>
    public TransactionSnapshot Begin(TransactionSnapshot next)
    {
        if (Pending is not null)
            throw new InvalidOperationException($"{TransactionalId} already has a pending transition to {Pending.State}.");
        Pending = next;
        return next;
    }

    /// <summary>The pending transition is in the log: it becomes the current state.</summary>
    public void Complete()
    {
        Current = Pending ?? throw new InvalidOperationException($"{TransactionalId} has no pending transition.");
        Pending = null;
    }

    /// <summary>The pending transition could not be written; the current state stands.</summary>
    public void Abandon() => Pending = null;

    public override string ToString() => $"{TransactionalId} (producer {Current.ProducerId}, epoch {Current.ProducerEpoch}, {Current.State})";
}
