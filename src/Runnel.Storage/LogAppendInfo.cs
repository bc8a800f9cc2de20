namespace Runnel.Storage;

/// <summary>
/// What an append did: the offsets it assigned, where the bytes went, and the log start offset the produce response
/// reports. <see cref="MaxTimestamp"/> is -1 when no batch carried a timestamp.
/// </summary>
public readonly record struct LogAppendInfo(
    long FirstOffset,
    long LastOffset,
    long MaxTimestamp,
    long OffsetOfMaxTimestamp,
    long LogStartOffset,
    long SegmentBaseOffset,
    int Position);

/// <summary>
/// What the broker's validation already knows of one batch it appends as the leader, so the log does not walk it
/// again: the header's last offset delta, the records' largest timestamp, and the leader epoch stamped on it.
/// </summary>
public readonly record struct ValidatedBatch(int LastOffsetDelta, long MaxTimestamp, int LeaderEpoch);
