using Runnel.Storage;

namespace Runnel.Broker.Transactions;

/// <summary>
/// What __transaction_state keeps for a transactional id (Kafka's TransactionLogValue), and so what one transition of
/// a <see cref="TransactionMetadata"/> writes: the producer id and epoch in use, the epoch before the last bump (so a
/// retried InitProducerId gets the same answer), the timeout, the state, the partitions of the current transaction and
/// its start and last-update times (ms since the epoch; start -1 when no transaction is open).
/// </summary>
internal sealed record TransactionSnapshot(long ProducerId, long PreviousProducerId, short ProducerEpoch, short LastProducerEpoch, int TimeoutMs,
    TransactionState State, IReadOnlySet<TopicPartition> Partitions, long StartTimestampMs, long LastUpdateTimestampMs)
{
    public const short NoEpoch = -1;

    /// <summary>Kafka rotates to a new producer id once the epoch reaches Short.MaxValue - 1, keeping the last one for fencing.</summary>
    public bool EpochExhausted => ProducerEpoch >= short.MaxValue - 1;
}
