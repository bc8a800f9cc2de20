using System.Globalization;
using Runnel.Protocol.Records;

namespace Runnel.Storage;

/// <summary>How segments are reclaimed: Kafka's <c>cleanup.policy</c> (delete, compact, or both).</summary>
[Flags]
public enum CleanupPolicy
{
    Delete = 1,
    Compact = 2,
}

/// <summary>
/// Per-topic log settings under Kafka's names and defaults, so operators' existing configs carry over.
/// -1 means "unlimited" for the retention settings, as in Kafka; flush.* default to never (page cache only).
/// </summary>
public sealed record LogConfig
{
    public static LogConfig Default { get; } = new();

    /// <summary>segment.bytes: roll the active segment before it would exceed this size.</summary>
    public int SegmentBytes { get; init; } = 1024 * 1024 * 1024;

    /// <summary>segment.ms: roll once the active segment's first batch is this old.</summary>
    public long SegmentMs { get; init; } = 7L * 24 * 60 * 60 * 1000;

    /// <summary>index.interval.bytes: log bytes between two offset index entries.</summary>
    public int IndexIntervalBytes { get; init; } = 4096;

    /// <summary>segment.index.bytes: maximum size of each index file; a full index rolls the segment.</summary>
    public int SegmentIndexBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>retention.ms: delete segments whose newest timestamp is older; -1 keeps them forever.</summary>
    public long RetentionMs { get; init; } = 7L * 24 * 60 * 60 * 1000;

    /// <summary>retention.bytes: delete the oldest segments while the partition is larger; -1 means no limit.</summary>
    public long RetentionBytes { get; init; } = -1;

    /// <summary>cleanup.policy.</summary>
    public CleanupPolicy CleanupPolicy { get; init; } = CleanupPolicy.Delete;

    /// <summary>delete.retention.ms: how long compaction keeps a tombstone once it has cleaned past it.</summary>
    public long DeleteRetentionMs { get; init; } = 24L * 60 * 60 * 1000;

    /// <summary>min.compaction.lag.ms: records younger than this are never compacted.</summary>
    public long MinCompactionLagMs { get; init; }

    /// <summary>min.cleanable.dirty.ratio: compact once this share of the log is uncleaned.</summary>
    public double MinCleanableDirtyRatio { get; init; } = 0.5;

    /// <summary>flush.messages: fsync after this many appended offsets (page-cache mode).</summary>
    public long FlushMessages { get; init; } = long.MaxValue;

    /// <summary>flush.ms: fsync when the oldest unflushed append is this old (page-cache mode).</summary>
    public long FlushMs { get; init; } = long.MaxValue;

    /// <summary>message.timestamp.type; the broker stamps LogAppendTime before appending.</summary>
    public TimestampType MessageTimestampType { get; init; } = TimestampType.CreateTime;

    /// <summary>max.message.bytes: the largest batch the broker accepts (checked by the broker's validator).</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024 + 12;

    public bool Compact => (CleanupPolicy & CleanupPolicy.Compact) != 0;

    public bool Delete => (CleanupPolicy & CleanupPolicy.Delete) != 0;

    /// <summary>Applies Kafka-named overrides (topic configs) on top of this config; unknown names are ignored.</summary>
    public LogConfig With(IReadOnlyDictionary<string, string> properties)
    {
        var c = this;
        foreach (var (name, value) in properties)
        {
            c = name switch
            {
                "segment.bytes" => c with { SegmentBytes = int.Parse(value, CultureInfo.InvariantCulture) },
                "segment.ms" => c with { SegmentMs = ParseLong(value) },
                "index.interval.bytes" => c with { IndexIntervalBytes = int.Parse(value, CultureInfo.InvariantCulture) },
                "segment.index.bytes" => c with { SegmentIndexBytes = int.Parse(value, CultureInfo.InvariantCulture) },
                "retention.ms" => c with { RetentionMs = ParseLong(value) },
                "retention.bytes" => c with { RetentionBytes = ParseLong(value) },
                "cleanup.policy" => c with { CleanupPolicy = ParsePolicy(value) },
                "delete.retention.ms" => c with { DeleteRetentionMs = ParseLong(value) },
                "min.compaction.lag.ms" => c with { MinCompactionLagMs = ParseLong(value) },
                "min.cleanable.dirty.ratio" => c with { MinCleanableDirtyRatio = double.Parse(value, CultureInfo.InvariantCulture) },
                "flush.messages" => c with { FlushMessages = ParseLong(value) },
                "flush.ms" => c with { FlushMs = ParseLong(value) },
                "message.timestamp.type" => c with { MessageTimestampType = Enum.Parse<TimestampType>(value, ignoreCase: true) },
                "max.message.bytes" => c with { MaxMessageBytes = int.Parse(value, CultureInfo.InvariantCulture) },
                _ => c,
            };
        }
        c.Validate();
        return c;
    }

    /// <summary>Rejects settings Kafka would reject, so a bad topic config fails at creation, not at the first roll.</summary>
    public void Validate()
    {
        if (SegmentBytes < 64)
            throw new ArgumentException($"segment.bytes must be at least 64, not {SegmentBytes}.");
        if (SegmentMs < 1 || IndexIntervalBytes < 0 || SegmentIndexBytes < 12 || FlushMessages < 1 || FlushMs < 0)
            throw new ArgumentException("segment.ms, index.interval.bytes, segment.index.bytes or flush.* out of range.");
        if (RetentionMs < -1 || RetentionBytes < -1 || DeleteRetentionMs < 0 || MinCompactionLagMs < 0)
            throw new ArgumentException("retention.ms, retention.bytes, delete.retention.ms or min.compaction.lag.ms out of range.");
    }

    private static long ParseLong(string value) => long.Parse(value, CultureInfo.InvariantCulture);

    private static CleanupPolicy ParsePolicy(string value)
    {
        CleanupPolicy policy = 0;
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            policy |= part switch
            {
                "delete" => CleanupPolicy.Delete,
                "compact" => CleanupPolicy.Compact,
                _ => throw new ArgumentException($"Unknown cleanup.policy '{part}'."),
            };
        }
        return policy == 0 ? throw new ArgumentException("cleanup.policy is empty.") : policy;
    }
}
