namespace Runnel.Broker.Groups;

/// <summary>
/// Where the coordinator keeps its state: the partitions of __consumer_offsets (in tests, memory). A group's
/// records all go to the partition <see cref="GroupCoordinator.PartitionFor"/> names, in the order the group's
/// lock serialised them.
/// </summary>
internal interface IGroupStore
{
    int PartitionCount { get; }

    /// <summary>
    /// Appends <paramref name="records"/> to <paramref name="partition"/> as one batch. Throws
    /// <see cref="Storage.StorageException"/> when nothing was appended; the returned task completes once the
    /// batch is durable (at once when acks=all does not wait for an fsync) and faults if it cannot be made so.
    /// </summary>
    Task Append(int partition, IReadOnlyList<StoredRecord> records);

    /// <summary>Every stored record, partition by partition, each in log order.</summary>
    IEnumerable<StoredRecord> ReadAll();
}
