namespace Runnel.Protocol.Records;

/// <summary>
/// What <see cref="RecordBatchValidator"/> enforces beyond the format itself. The defaults are those of a Produce
/// request at v7 (Kafka's AppendOrigin.CLIENT on a topic with default settings).
/// </summary>
public readonly record struct RecordBatchValidationOptions
{
    public RecordBatchValidationOptions()
    {
    }

    /// <summary>Kafka's default max.message.bytes (1 MiB + the 12-byte log overhead).</summary>
    public const int DefaultMaxBatchBytes = 1_048_588;

    public const int DefaultMaxUncompressedBytes = 64 << 20;

    /// <summary>
    /// Batches come from a producer: baseOffset 0, at least one record, offsetDelta equal to the record's index,
    /// no control batches, sane producer fields. False for batches the broker wrote itself or copies from a leader
    /// or its own log, where compaction may have removed records (gaps in offsetDelta, even empty batches).
    /// </summary>
    public bool FromClient { get; init; } = true;

    /// <summary>Exactly one batch in the buffer, as Produce v3+ requires per partition.</summary>
    public bool SingleBatch { get; init; } = true;

    /// <summary>The topic's max.message.bytes, applied to each batch's size on the wire.</summary>
    public int MaxBatchBytes { get; init; } = DefaultMaxBatchBytes;

    /// <summary>The most bytes one batch's records may decompress to; guards against compression bombs.</summary>
    public int MaxUncompressedBytes { get; init; } = DefaultMaxUncompressedBytes;

    /// <summary>False for Produce below v7, where Kafka refuses zstd batches.</summary>
    public bool AllowZstd { get; init; } = true;

    /// <summary>
    /// Decompress and walk the records of compressed batches. Kafka does so for producer batches; a follower or
    /// log recovery may skip it and rely on the CRC.
    /// </summary>
    public bool WalkCompressedRecords { get; init; } = true;

    /// <summary>The topic is compacted, so every record needs a key.</summary>
    public bool RequireKeys { get; init; }

    /// <summary>
    /// The allowed CreateTime window, now - message.timestamp.before.max.ms .. now + message.timestamp.after.max.ms.
    /// Records without a timestamp (-1) are exempt, as in Kafka. The defaults allow everything.
    /// </summary>
    public long MinTimestamp { get; init; } = long.MinValue;

    public long MaxTimestamp { get; init; } = long.MaxValue;
}
