using System.Buffers.Binary;

namespace Runnel.Client.Producer;

/// <summary>
/// The Java client's key partitioning, which kafka-python, KafkaJS (2.x default) and franz-go share:
/// <c>(murmur2(key) &amp; 0x7fffffff) % partitionCount</c>. librdkafka (kcat) hashes keys with CRC-32 by default,
/// so its records land elsewhere; producers that must agree with Java ones use this.
/// </summary>
public static class KafkaPartitioner
{
    private const uint Seed = 0x9747b28c;
    private const uint Multiplier = 0x5bd1e995;
    private const int Shift = 24;

    /// <summary>The partition for a non-null key.</summary>
    public static int PartitionForKey(ReadOnlySpan<byte> key, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitionCount);
        return (Murmur2(key) & 0x7fffffff) % partitionCount;
    }

    /// <summary>
    /// MurmurHash2 (32-bit) with Kafka's seed, as <c>org.apache.kafka.common.utils.Utils.murmur2</c> computes it:
    /// little-endian four-byte blocks, the tail folded in from its highest byte down, then the final avalanche.
    /// </summary>
    public static int Murmur2(ReadOnlySpan<byte> data)
    {
        var h = Seed ^ (uint)data.Length;
        var blocks = data.Length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4));
            k *= Multiplier;
            k ^= k >> Shift;
            k *= Multiplier;
            h *= Multiplier;
            h ^= k;
        }
        var tail = data[(blocks * 4)..];
        if (tail.Length > 0)
        {
            if (tail.Length == 3)
                h ^= (uint)tail[2] << 16;
            if (tail.Length >= 2)
                h ^= (uint)tail[1] << 8;
            h ^= tail[0];
            h *= Multiplier;
        }
        h ^= h >> 13;
        h *= Multiplier;
        h ^= h >> 15;
        return unchecked((int)h);
    }
}
