namespace Runnel.Client;

/// <summary>
/// Which offset to look up in a partition: the earliest, the latest (the next offset to be written), or the first
/// whose timestamp is at or after a time. Kafka encodes the first two as timestamps -2 and -1.
/// </summary>
public readonly record struct OffsetSpec
{
    private OffsetSpec(long timestamp) => Timestamp = timestamp;

    public static OffsetSpec Earliest { get; } = new(-2);

    public static OffsetSpec Latest { get; } = new(-1);

    /// <summary>The first offset whose timestamp is at or after <paramref name="unixMilliseconds"/>.</summary>
    public static OffsetSpec ForTimestamp(long unixMilliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(unixMilliseconds);
        return new(unixMilliseconds);
    }

    public static OffsetSpec ForTimestamp(DateTimeOffset time) => ForTimestamp(time.ToUnixTimeMilliseconds());

    /// <summary>The ListOffsets timestamp: -2 earliest, -1 latest, otherwise Unix milliseconds.</summary>
    public long Timestamp { get; }

    public override string ToString() => Timestamp switch
    {
        -2 => "earliest",
        -1 => "latest",
        _ => $"timestamp {Timestamp}",
    };
}

/// <summary>
/// The answer to an offset lookup. For a timestamp with no record at or after it, Kafka answers offset -1; the
/// consumer then starts at the end.
/// </summary>
public readonly record struct ListedOffset(long Offset, long Timestamp);
