using Runnel.Broker.Groups;
using Runnel.Protocol;
using Runnel.Protocol.Records;

namespace Runnel.Broker.Tests.Groups;

/// <summary>__consumer_offsets in memory: records per partition in append order, with failures and slow loads on demand.</summary>
internal sealed class InMemoryGroupStore(int partitions = 4) : IGroupStore
{
    private readonly List<StoredRecord>[] _partitions = [.. Enumerable.Range(0, partitions).Select(_ => new List<StoredRecord>())];

    public int PartitionCount => _partitions.Length;

    /// <summary>When set, appends are refused with this partition error and write nothing.</summary>
    public ErrorCode? RefuseWith { get; set; }

    /// <summary>When set, appends are written but never count: their durability completes with this error.</summary>
    public ErrorCode? DurableWith { get; set; }

    /// <summary>When set, every replay waits for it before reading anything.</summary>
    public TaskCompletionSource? LoadGate { get; set; }

    public IReadOnlyList<StoredRecord> Partition(int index)
    {
        lock (_partitions)
            return [.. _partitions[index]];
    }

    /// <summary>Each record gets the next offset of its partition and, for a transactional batch, the producer id.</summary>
    public GroupAppend Append(int partition, IReadOnlyList<StoredRecord> records, long producerId = -1, short producerEpoch = -1)
    {
        if (RefuseWith is { } refused)
            return GroupAppend.Refused(refused);
        long baseOffset;
        lock (_partitions)
        {
            var log = _partitions[partition];
            baseOffset = log.Count;
            log.AddRange(records.Select((r, i) => r with { Offset = baseOffset + i, ProducerId = producerId }));
        }
        return new GroupAppend(ErrorCode.None, Task.FromResult(DurableWith ?? ErrorCode.None), baseOffset);
    }

    /// <summary>Appends a producer's commit or abort marker, as the partition does for WriteTxnMarkers.</summary>
    public void AppendMarker(int partition, long producerId, bool commit)
    {
        lock (_partitions)
        {
            var log = _partitions[partition];
            log.Add(new StoredRecord([0, 0, 0, (byte)(commit ? 1 : 0)], [0, 0, 0, 0, 0, 0])
            {
                Offset = log.Count,
                ProducerId = producerId,
                Control = commit ? ControlRecordType.Commit : ControlRecordType.Abort,
            });
        }
    }

    public async IAsyncEnumerable<StoredRecord> ReadAsync(int partition)
    {
        if (LoadGate is { } gate)
            await gate.Task;
        foreach (var record in Partition(partition))
            yield return record;
    }

    public Task<(ErrorCode Error, string? Message)> CreateIfMissingAsync() => Task.FromResult<(ErrorCode, string?)>((ErrorCode.None, null));
}
