using Runnel.Protocol.Records;

namespace Runnel.Client.Consumer;

/// <summary>A record read from a partition, copied out of the fetch buffer.</summary>
public sealed class ConsumeResult
{
    public required string Topic { get; init; }

    public required int Partition { get; init; }

    public required long Offset { get; init; }

    /// <summary>Unix milliseconds; whose clock is told by <see cref="TimestampType"/>.</summary>
    public required long Timestamp { get; init; }

    public TimestampType TimestampType { get; init; }

    /// <summary>Null when the record has no key (distinct from an empty key).</summary>
    public byte[]? Key { get; init; }

    /// <summary>Null for a tombstone.</summary>
    public byte[]? Value { get; init; }

    public IReadOnlyList<MessageHeader> Headers { get; init; } = [];

    public TopicPartition TopicPartition => new(Topic, Partition);
}
