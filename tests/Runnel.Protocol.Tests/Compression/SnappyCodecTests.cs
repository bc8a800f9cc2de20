using Runnel.Protocol.Compression;

namespace Runnel.Protocol.Tests.Compression;

/// <summary>Hand-written blocks from the format description, so the decoder is not only checked against our encoder.</summary>
public sealed class SnappyCodecTests
{
    [Fact]
    public void Decodes_a_literal_followed_by_an_overlapping_copy()
    {
        // Length 10; literal "ab" (tag 1<<2); copy with 1-byte offset, length 8, offset 2 (tag (8-4)<<2 | 1).
        byte[] block = [10, 0x04, (byte)'a', (byte)'b', 0x11, 0x02];

        Assert.Equal("ababababab"u8.ToArray(), CodecTestData.Decompress(CompressionType.Snappy, block));
    }

    [Fact]
    public void Decodes_two_and_four_byte_offsets_and_long_literal_lengths()
    {
        // Length 70: a 61-byte literal (tag 60<<2, then length-1 in one byte), then the first 9 bytes again, as a
        // 5-byte copy with a 2-byte offset (tag (5-1)<<2 | 2) and a 4-byte copy with a 4-byte offset (tag (4-1)<<2 | 3).
        var literal = Enumerable.Range(0, 61).Select(i => (byte)i).ToArray();
        byte[] block = [70, 60 << 2, 60, .. literal, (5 - 1) << 2 | 2, 61, 0, (4 - 1) << 2 | 3, 61, 0, 0, 0];

        Assert.Equal([.. literal, .. literal[..9]], CodecTestData.Decompress(CompressionType.Snappy, block));
    }

    [Fact]
    public void Xerial_chunks_are_concatenated()
    {
        var first = CodecTestData.Compressible(40_000, seed: 3);
        var second = CodecTestData.Incompressible(1000);
        var framed = CodecTestData.XerialFrame(
            CodecTestData.Compress(CompressionType.Snappy, first), CodecTestData.Compress(CompressionType.Snappy, second));

        Assert.Equal([.. first, .. second], CodecTestData.Decompress(CompressionType.Snappy, framed));
    }

    public static TheoryData<string, byte[]> Malformed() => new()
    {
        { "empty input", [] },
        { "unterminated length", [0x80, 0x80] },
        { "length over 32 bits", [0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0] },
        { "copy before any output", [4, 0x01, 0x01] },
        { "copy with offset 0", [8, 0x04, 1, 2, 0x11, 0x00] },
        { "copy reaching before the start", [8, 0x04, 1, 2, 0x11, 0x03] },
        { "copy past the declared length", [4, 0x04, 1, 2, 0x11, 0x02] },
        { "literal past the input", [8, 0x1C, 1, 2] },
        { "literal past the declared length", [1, 0x04, 1, 2] },
        { "output shorter than declared", [3, 0x04, 1, 2] },
        { "truncated long literal length", [100, 61 << 2, 5] },
        { "truncated 4-byte offset", [8, 0x04, 1, 2, 0x0F, 2, 0] },
        { "declared length the body cannot hold", [0x80, 0x80, 0x04, 0x00] },
        { "truncated xerial header", [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0] },
        { "xerial chunk longer than the input", [.. CodecTestData.XerialFrame(), 0, 0, 0, 9, 1, 0] },
        { "negative xerial chunk length", [.. CodecTestData.XerialFrame(), 0x80, 0, 0, 0] },
        { "truncated xerial chunk length", [.. CodecTestData.XerialFrame(), 0, 0] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_blocks_are_corrupt(string what, byte[] input)
    {
        var error = Assert.Throws<CompressionException>(() => CodecTestData.Decompress(CompressionType.Snappy, input));
        Assert.True(error.Failure == CompressionFailure.Corrupt, $"{what}: {error.Failure}");
    }

    [Fact]
    public void A_declared_length_over_the_limit_is_too_large_before_anything_is_decoded()
    {
        // Declares 2 MiB with no body at all: the limit is checked first.
        byte[] block = [0x80, 0x80, 0x80, 0x01];

        var error = Assert.Throws<CompressionException>(() => CodecTestData.Decompress(CompressionType.Snappy, block, maxOutputBytes: 1 << 20));
        Assert.Equal(CompressionFailure.TooLarge, error.Failure);
    }
}
