using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.FetchSessions;

/// <summary>A partition as a fetch names it: by topic id from Fetch v13 (the name null), by name below (the id empty).</summary>
internal readonly record struct FetchKey(Guid TopicId, string? Topic, int Partition);

/// <summary>
/// One partition a fetch reads: what was last asked for it (offset, byte limit, epochs) and, in a session, what the
/// last answer told the fetcher (Kafka's CachedPartition), so an incremental answer can leave the partition out
/// when nothing the fetcher sees has changed.
/// </summary>
internal sealed class FetchTarget(FetchKey key, FetchRequest.FetchPartition request)
{
    public FetchKey Key { get; } = key;

    /// <summary>The request's fields for this partition; replaced, never changed in place, when a fetch lists it again.</summary>
    public FetchRequest.FetchPartition Request { get; set; } = request;

    /// <summary>The high watermark last sent; -1 before the first answer and after an error, so the next one is sent.</summary>
    public long HighWatermark { get; set; } = -1;

    /// <summary>The log start offset last sent.</summary>
    public long LogStartOffset { get; set; } = -1;

    /// <summary>
    /// Whether an incremental answer must carry this partition (Kafka's maybeUpdateResponseData): it has records, a
    /// high watermark or log start offset the fetcher has not seen, an error, or a diverging epoch. With
    /// <paramref name="update"/> the session remembers what is sent.
    /// </summary>
    public bool MustRespond(FetchResponse.PartitionData data, bool update)
    {
        var must = data.Records is { Length: > 0 };
        if (HighWatermark != data.HighWatermark)
        {
            must = true;
            if (update)
                HighWatermark = data.HighWatermark;
        }
        if (LogStartOffset != data.LogStartOffset)
        {
            must = true;
            if (update)
                LogStartOffset = data.LogStartOffset;
        }
        if (data.PreferredReadReplica >= 0)
            must = true;
        if (data.ErrorCode != (short)ErrorCode.None)
        {
            if (update)
                HighWatermark = -1;
            must = true;
        }
        if (data.DivergingEpoch.Epoch >= 0 || data.DivergingEpoch.EndOffset >= 0)
            must = true;
        return must;
    }
}
