using System.Text;
using Runnel.Client.Producer;

namespace Runnel.Client.Tests.Producer;

public class KafkaPartitionerTests
{
    /// <summary>apache/kafka clients UtilsTest.testMurmur2.</summary>
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Murmur2_matches_the_java_client(string key, int expected)
        => Assert.Equal(expected, KafkaPartitioner.Murmur2(Encoding.ASCII.GetBytes(key)));

    /// <summary>
    /// KafkaJS's Java-compatible partitioner vectors (src/producer/partitioners/defaultJava/murmur2.spec.js), printed
    /// by the Java implementation. KafkaJS's older default/ vectors come from its legacy hash and differ.
    /// </summary>
    [Theory]
    [InlineData("0", 971027396)]
    [InlineData("1", -1993445489)]
    [InlineData("128", -326012175)]
    [InlineData("2187", -1508407203)]
    [InlineData("16384", -325739742)]
    [InlineData("78125", -1654490814)]
    [InlineData("279936", 1462227128)]
    [InlineData("823543", -2014198330)]
    [InlineData("2097152", 607668903)]
    [InlineData("4782969", -1182699775)]
    [InlineData("10000000", -1830336757)]
    [InlineData("19487171", -1603849305)]
    [InlineData("35831808", -857013643)]
    [InlineData("62748517", -1167431028)]
    [InlineData("105413504", -381294639)]
    [InlineData("170859375", -1658323481)]
    [InlineData("100:48069", 1009543857)]
    public void Murmur2_matches_java_computed_vectors(string key, int expected)
        => Assert.Equal(expected, KafkaPartitioner.Murmur2(Encoding.ASCII.GetBytes(key)));

    [Theory]
    [InlineData("21", 3, 0)]
    [InlineData("21", 10, 0)]
    [InlineData("foobar", 4, 2)]
    [InlineData("abc", 4, 3)]
    [InlineData("a-little-bit-long-string", 3, 2)]
    [InlineData("a-little-bit-long-string", 10, 2)]
    public void PartitionForKey_masks_the_sign_bit_then_takes_the_remainder(string key, int partitions, int expected)
        => Assert.Equal(expected, KafkaPartitioner.PartitionForKey(Encoding.ASCII.GetBytes(key), partitions));

    [Fact]
    public void Keys_spread_over_every_partition_and_stay_in_range()
    {
        var seen = new HashSet<int>();
        for (var i = 0; i < 1000; i++)
        {
            var partition = KafkaPartitioner.PartitionForKey(Encoding.ASCII.GetBytes($"key-{i}"), 7);
            Assert.InRange(partition, 0, 6);
            seen.Add(partition);
        }
        Assert.Equal(7, seen.Count);
    }
}
