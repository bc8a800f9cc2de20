namespace Runnel.Client.Producer;

/// <summary>
/// A record to send. Without <see cref="Partition"/>, a keyed record goes where the Java client would put it
/// (murmur2 of the key) and an unkeyed one to the topic's current sticky partition.
/// </summary>
public sealed class ProducerRecord
{
    public ProducerRecord(string topic, byte[]? value)
    {
        Topic = topic;
        Value = value;
    }

    public ProducerRecord(string topic, byte[]? key, byte[]? value)
        : this(topic, value)
    {
        Key = key;
    }

    public string Topic { get; }

    /// <summary>Null and empty are different keys: a null key is not hashed at all.</summary>
    public byte[]? Key { get; init; }

    /// <summary>Null is a tombstone on a compacted topic.</summary>
    public byte[]? Value { get; init; }

    /// <summary>An explicit partition, overriding the partitioner.</summary>
    public int? Partition { get; init; }

    /// <summary>Create time in Unix milliseconds; the producer's clock when null.</summary>
    public long? Timestamp { get; init; }

    public IReadOnlyList<MessageHeader> Headers { get; init; } = [];
}

/// <summary>
/// Where a record was stored. With acks=0 the broker says nothing, so <see cref="Offset"/> is -1.
/// <see cref="Timestamp"/> is the broker's append time when the topic uses LogAppendTime, else the create time.
/// </summary>
public sealed record DeliveryResult(string Topic, int Partition, long Offset, long Timestamp)
{
    public TopicPartition TopicPartition => new(Topic, Partition);
}
