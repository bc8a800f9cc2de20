using Runnel.Protocol;

namespace Runnel.Broker.Groups;

/// <summary>
/// What an append to the store did. <see cref="Error"/> is NONE when the records were appended; <see cref="Durable"/>
/// then completes with NONE once they count (replicated to the in-sync replicas, and on disk where acks=all waits for an
/// fsync), or with the error that kept them from counting, and <see cref="BaseOffset"/> is the log offset of the first
/// record (the others follow it one by one). Any other <see cref="Error"/> means nothing was written.
/// </summary>
internal readonly record struct GroupAppend(ErrorCode Error, Task<ErrorCode> Durable, long BaseOffset = -1)
{
    public bool Appended => Error == ErrorCode.None;

    public static GroupAppend Refused(ErrorCode error) => new(error, Task.FromResult(error));
}

/// <summary>
/// Where the coordinator keeps its state: the partitions of __consumer_offsets (in tests, memory). A group's records all
/// go to the partition <see cref="GroupCoordinator.PartitionFor(string, int)"/> names, in the order the group's lock
/// serialised them. Errors are the partition's own, in Kafka's terms: NOT_LEADER_OR_FOLLOWER (this node does not lead
/// it, or stopped leading before the records counted), UNKNOWN_TOPIC_OR_PARTITION (no such partition),
/// KAFKA_STORAGE_ERROR (the log could not take them or make them durable), NOT_ENOUGH_REPLICAS_AFTER_APPEND,
/// REQUEST_TIMED_OUT (not replicated within offsets.commit.timeout.ms). The coordinator maps them to its own errors.
/// </summary>
internal interface IGroupStore
{
    /// <summary>How many partitions the groups are spread over; 0 where this node keeps no group state at all.</summary>
    int PartitionCount { get; }

    /// <summary>
    /// Appends <paramref name="records"/> to <paramref name="partition"/> as one batch, before returning: a plain batch, or
    /// with a <paramref name="producerId"/> (not -1) a transactional batch of that producer and
    /// <paramref name="producerEpoch"/> without a sequence, as Kafka writes a TxnOffsetCommit's offsets.
    /// </summary>
    GroupAppend Append(int partition, IReadOnlyList<StoredRecord> records, long producerId = -1, short producerEpoch = -1);

    /// <summary>
    /// Every record of <paramref name="partition"/> in log order, from the log start to the log end as it is when the
    /// read begins, with its offset and its batch's producer (see <see cref="StoredRecord"/>); of control batches only the
    /// commit and abort markers. The reading stops when the caller stops enumerating. Throws when the partition cannot be
    /// read here.
    /// </summary>
    IAsyncEnumerable<StoredRecord> ReadAsync(int partition);

    /// <summary>Creates the store (the topic) if it does not exist yet; NONE once it exists, else why it could not be created.</summary>
    Task<(ErrorCode Error, string? Message)> CreateIfMissingAsync();
}
