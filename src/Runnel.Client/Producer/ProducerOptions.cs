using Runnel.Protocol.Compression;

namespace Runnel.Client.Producer;

/// <summary>How many brokers must have a record before the producer counts it delivered (Kafka's acks).</summary>
public enum Acks : short
{
    /// <summary>acks=all (-1): every in-sync replica.</summary>
    All = -1,

    /// <summary>acks=0: fire and forget; the broker sends no reply and offsets are unknown (-1).</summary>
    None = 0,

    /// <summary>acks=1: the leader only.</summary>
    Leader = 1,
}

/// <summary>Producer settings, named after Kafka's producer configs.</summary>
public sealed class ProducerOptions : ClientOptions
{
    public Acks Acks { get; set; } = Acks.All;

    /// <summary>How long a batch may wait for more records before it is sent (linger.ms); Kafka 4's default is 5 ms.</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Uncompressed bytes at which a partition's batch is closed and sent at once (batch.size).</summary>
    public int BatchSize { get; set; } = 16 * 1024;

    /// <summary>Codec for whole batches (compression.type).</summary>
    public CompressionType Compression { get; set; } = CompressionType.None;

    /// <summary>A record bigger than this is refused before it is sent (max.request.size).</summary>
    public int MaxRequestSize { get; set; } = 1024 * 1024;

    /// <summary>How long a record may take, retries included, before its delivery fails (delivery.timeout.ms).</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Records accepted but not yet batched; beyond this, <c>ProduceAsync</c> waits (a bound on memory).</summary>
    public int MaxQueuedRecords { get; set; } = 100_000;

    /// <summary>Ask the broker to create unknown topics (allow.auto.create.topics); the broker's policy decides.</summary>
    public bool AllowAutoTopicCreation { get; set; } = true;
}
