using Runnel.Broker.Groups;
using Runnel.Storage;

namespace Runnel.Broker.Tests.Groups;

/// <summary>__consumer_offsets in memory: records per partition in append order, with failures on demand.</summary>
internal sealed class InMemoryGroupStore(int partitions = 4) : IGroupStore
{
    private readonly List<StoredRecord>[] _partitions = [.. Enumerable.Range(0, partitions).Select(_ => new List<StoredRecord>())];

    public int PartitionCount => _partitions.Length;

    /// <summary>When set, appends fail as a full disk would.</summary>
    public bool Failing { get; set; }

    public IReadOnlyList<StoredRecord> Partition(int index) => _partitions[index];

    public IEnumerable<StoredRecord> All => _partitions.SelectMany(p => p);

    public Task Append(int partition, IReadOnlyList<StoredRecord> records)
    {
        if (Failing)
            throw new StorageException(StorageErrorKind.DiskFull, "disk full (test)");
        lock (_partitions)
            _partitions[partition].AddRange(records);
        return Task.CompletedTask;
    }

    public IEnumerable<StoredRecord> ReadAll() => [.. All];
}
