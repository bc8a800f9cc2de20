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
