using Runnel.Broker.Groups;
using Runnel.Storage;

namespace Runnel.Broker.Quorum;

/// <summary>
/// The group store of a controller-only node: consumer groups live on brokers (in __consumer_offsets), so any
/// attempt to store group state here fails as an offline log would.
/// </summary>
internal sealed class NoGroupStore : IGroupStore
{
    public int PartitionCount => 1;

    public Task Append(int partition, IReadOnlyList<StoredRecord> records)
        => throw new StorageException(StorageErrorKind.Offline, "This node is a controller only; consumer groups are served by brokers.");

    public IEnumerable<StoredRecord> ReadAll() => [];
}
