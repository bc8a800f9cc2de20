using System.Text;
using Runnel.Protocol.Records;

namespace Runnel.Protocol.Tests.Records;

public sealed class Crc32CTests
{
    [Fact]
    public void Matches_the_standard_check_value()
    {
        // The CRC-32C check value for "123456789" (RFC 3720, appendix B.4).
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Append_equals_one_pass_over_the_concatenation()
    {
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 31)).ToArray();
        for (var split = 0; split < 20; split++)
            Assert.Equal(Crc32C.Compute(data), Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
    }

    [Fact]
    public void Three_way_rounds_agree_with_a_bitwise_reference_at_every_size_and_split()
    {
        var random = new Random(11);
        var data = new byte[3 * 8192 * 2 + 3 * 256 * 3 + 13];
        random.NextBytes(data);
        int[] sizes = [0, 1, 7, 8, 767, 768, 769, 3 * 256 * 5 + 5, 3 * 8192 - 1, 3 * 8192, 3 * 8192 + 1, data.Length];
        foreach (var size in sizes)
        {
            var slice = data.AsSpan(0, size);
            var expected = Reference(slice);
            Assert.Equal(expected, Crc32C.Compute(slice));
            var split = random.Next(size + 1);
            Assert.Equal(expected, Crc32C.Append(Crc32C.Compute(slice[..split]), slice[split..]));
        }
        for (var i = 0; i < 50; i++)
        {
            var offset = random.Next(16);
            var slice = data.AsSpan(offset, random.Next(data.Length - offset));
            Assert.Equal(Reference(slice), Crc32C.Compute(slice));
        }
    }

    /// <summary>The textbook bit-at-a-time CRC-32C (reflected polynomial 0x82F63B78).</summary>
    private static uint Reference(ReadOnlySpan<byte> data)
    {
        var crc = ~0u;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }
}
