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
}
