namespace Runnel.Broker.Configuration;

/// <summary>
/// Topic-level configs with Kafka's names. Each takes its default from a broker-level key (its "synonym",
/// e.g. retention.ms from log.retention.ms), so a broker default changes every topic that does not override it.
/// </summary>
public static class TopicConfigs
{
    public const string CleanupPolicy = "cleanup.policy";
    public const string CompressionType = "compression.type";
    public const string DeleteRetentionMs = "delete.retention.ms";
    public const string FlushMessages = "flush.messages";
    public const string FlushMs = "flush.ms";
    public const string IndexIntervalBytes = "index.interval.bytes";
    public const string MaxMessageBytes = "max.message.bytes";
    public const string MessageFormatVersion = "message.format.version";
    public const string MessageTimestampAfterMaxMs = "message.timestamp.after.max.ms";
    public const string MessageTimestampBeforeMaxMs = "message.timestamp.before.max.ms";
    public const string MessageTimestampDifferenceMaxMs = "message.timestamp.difference.max.ms";
    public const string MessageTimestampType = "message.timestamp.type";
    public const string MinCompactionLagMs = "min.compaction.lag.ms";
    public const string MinInsyncReplicas = "min.insync.replicas";
    public const string RetentionBytes = "retention.bytes";
    public const string RetentionMs = "retention.ms";
    public const string SegmentBytes = "segment.bytes";
    public const string SegmentMs = "segment.ms";
    public const string SegmentIndexBytes = "segment.index.bytes";

    private const string LongMax = "9223372036854775807";

    /// <summary>Topic key, its definition, and the broker key whose value is its default.</summary>
    public static IReadOnlyList<(ConfigDefinition Definition, string BrokerSynonym)> All { get; } =
    [
        (new(CleanupPolicy, ConfigType.List, "delete", "delete old segments, compact to the latest record per key, or both") { Allowed = ["delete", "compact"] }, "log.cleanup.policy"),
        (new(CompressionType, ConfigType.String, "producer", "codec the log keeps; producer keeps what the producer sent") { Allowed = ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"] }, "compression.type"),
        (new(DeleteRetentionMs, ConfigType.Long, "86400000", "how long tombstones survive compaction") { Min = 0 }, "log.cleaner.delete.retention.ms"),
        (new("file.delete.delay.ms", ConfigType.Long, "60000", "delay before a deleted segment's file is removed") { Min = 0 }, "log.segment.delete.delay.ms"),
        (new(FlushMessages, ConfigType.Long, LongMax, "fsync after this many messages") { Min = 1 }, "log.flush.interval.messages"),
        (new(FlushMs, ConfigType.Long, LongMax, "fsync at least this often") { Min = 0 }, "log.flush.interval.ms"),
        (new(IndexIntervalBytes, ConfigType.Int, "4096", "bytes between offset index entries") { Min = 0 }, "log.index.interval.bytes"),
        (new(MaxMessageBytes, ConfigType.Int, "1048588", "largest record batch the topic accepts") { Min = 0 }, "message.max.bytes"),
        (new("max.compaction.lag.ms", ConfigType.Long, LongMax, "longest a record may stay uncompacted") { Min = 1 }, "log.cleaner.max.compaction.lag.ms"),
        (new(MessageFormatVersion, ConfigType.String, MessageFormatVersions.Default, "[DEPRECATED] record format version; record format v2 is always written") { Ignored = true, Rule = MessageFormatVersions.Check }, "log.message.format.version"),
        (new(MessageTimestampAfterMaxMs, ConfigType.Long, LongMax, "how far in the future a CreateTime may be") { Min = 0 }, "log.message.timestamp.after.max.ms"),
        (new(MessageTimestampBeforeMaxMs, ConfigType.Long, LongMax, "how far in the past a CreateTime may be") { Min = 0 }, "log.message.timestamp.before.max.ms"),
        (new(MessageTimestampDifferenceMaxMs, ConfigType.Long, LongMax, "[DEPRECATED] how far from now a CreateTime may be; the before/after bound left at its default takes this value") { Min = 0 }, "log.message.timestamp.difference.max.ms"),
        (new(MessageTimestampType, ConfigType.String, "CreateTime", "keep the producer's timestamp or stamp the append time") { Allowed = ["CreateTime", "LogAppendTime"] }, "log.message.timestamp.type"),
        (new("min.cleanable.dirty.ratio", ConfigType.Double, "0.5", "share of the log that must be uncompacted before compaction runs"), "log.cleaner.min.cleanable.ratio"),
        (new(MinCompactionLagMs, ConfigType.Long, "0", "youngest a record may be to be compacted") { Min = 0 }, "log.cleaner.min.compaction.lag.ms"),
        (new(MinInsyncReplicas, ConfigType.Int, "1", "replicas that must have an acks=all write") { Min = 1 }, "min.insync.replicas"),
        (new("preallocate", ConfigType.Boolean, "false", "preallocate segment files") { Ignored = true }, "log.preallocate"),
        (new(RetentionBytes, ConfigType.Long, "-1", "largest size of a partition before old segments go; -1 is no limit"), "log.retention.bytes"),
        (new(RetentionMs, ConfigType.Long, "604800000", "age after which segments go; -1 is forever") { Min = -1 }, "log.retention.ms"),
        (new(SegmentBytes, ConfigType.Int, "1073741824", "size at which a new segment is rolled") { Min = 64 }, "log.segment.bytes"),
        (new(SegmentIndexBytes, ConfigType.Int, "10485760", "largest offset index of a segment") { Min = 4 }, "log.index.size.max.bytes"),
        (new("segment.jitter.ms", ConfigType.Long, "0", "random jitter on segment.ms") { Min = 0 }, "log.roll.jitter.ms"),
        (new(SegmentMs, ConfigType.Long, "604800000", "age at which a new segment is rolled") { Min = 1 }, "log.roll.ms"),
        (new("unclean.leader.election.enable", ConfigType.Boolean, "false", "allow a replica outside the ISR to lead") { Ignored = true }, "unclean.leader.election.enable"),
    ];

    private static readonly Dictionary<string, (ConfigDefinition Definition, string BrokerSynonym)> ByName
        = All.ToDictionary(c => c.Definition.Name, StringComparer.Ordinal);

    /// <summary>
    /// The value in force for message.timestamp.before.max.ms or message.timestamp.after.max.ms (or their broker keys),
    /// as Kafka 3.6+ resolves them (KIP-937): the key's own value unless it is the default (Long.MaxValue), in which case
    /// the deprecated difference key's value. <paramref name="get"/> reads a key's value (null when unset).
    /// </summary>
    public static string? TimestampBound(string key, string differenceKey, Func<string, string?> get)
        => get(key) is { } value && value != LongMax ? value : get(differenceKey) ?? get(key);

    public static bool TryGet(string name, out ConfigDefinition definition, out string brokerSynonym)
    {
        if (ByName.TryGetValue(name, out var entry))
        {
            (definition, brokerSynonym) = entry;
            return true;
        }
        definition = null!;
        brokerSynonym = "";
        return false;
    }
}
