using Runnel.Broker.Groups;
using Runnel.Protocol;

namespace Runnel.Broker.Quorum;

/// <summary>
/// The group store of a node that runs no consumer groups: a controller-only node (groups live on brokers, in
/// __consumer_offsets), and a broker until its coordinator has started. It has no partitions, so its coordinator answers
/// every group request COORDINATOR_NOT_AVAILABLE and never writes or reads.
/// </summary>
internal sealed class NoGroupStore : IGroupStore
{
    private const string Reason = "This node runs no consumer groups; brokers serve them.";

    public int PartitionCount => 0;

    public GroupAppend Append(int partition, IReadOnlyList<StoredRecord> records, long producerId = -1, short producerEpoch = -1) => GroupAppend.Refused(ErrorCode.UnknownTopicOrPartition);

    public IAsyncEnumerable<StoredRecord> ReadAsync(int partition) => throw new InvalidOperationException(Reason);

    public Task<(ErrorCode Error, string? Message)> CreateIfMissingAsync() => Task.FromResult<(ErrorCode, string?)>((ErrorCode.CoordinatorNotAvailable, Reason));
}
