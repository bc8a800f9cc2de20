using System.Buffers;
using Runnel.Protocol.Compression;

namespace Runnel.Protocol.Tests.Compression;

/// <summary>A batch that inflates past the caller's limit fails without the output (or the heap) growing past it.</summary>
public sealed class BoundedDecompressionTests
{
    private const int Inflated = 64 << 20;
    private const int Limit = 1 << 20;

    public static TheoryData<string> Bombs() => new(["gzip", "snappy", "snappy-xerial", "lz4", "zstd", "zstd-rle-without-content-size"]);

    [Theory]
    [MemberData(nameof(Bombs))]
    public void Inflating_past_the_limit_is_too_large_and_stays_small(string bomb)
    {
        var (codec, compressed) = Make(bomb);
        Assert.True(compressed.Length < Inflated / 16, $"{bomb} is {compressed.Length} bytes");
        var output = new ArrayBufferWriter<byte>();

        // Per-thread, so that tests running in parallel on other threads do not count.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<CompressionException>(() => CompressionCodecs.Decompress(codec, compressed, output, Limit));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(CompressionFailure.TooLarge, error.Failure);
        Assert.InRange(output.WrittenCount, 0, Limit);
        Assert.True(allocated < 4 * Limit, $"{bomb} allocated {allocated} bytes");
    }

    [Theory]
    [MemberData(nameof(CodecsAndNone))]
    public void Output_of_exactly_the_limit_is_allowed_and_one_byte_more_is_not(CompressionType codec)
    {
        var data = CodecTestData.Compressible(10_000);
        var compressed = CodecTestData.Compress(codec, data);

        Assert.Equal(data, CodecTestData.Decompress(codec, compressed, maxOutputBytes: data.Length));
        var error = Assert.Throws<CompressionException>(() => CodecTestData.Decompress(codec, compressed, maxOutputBytes: data.Length - 1));
        Assert.Equal(CompressionFailure.TooLarge, error.Failure);
    }

    public static TheoryData<CompressionType> CodecsAndNone() => new(CodecTestData.Codecs.Append(CompressionType.None));

    private static (CompressionType Codec, byte[] Compressed) Make(string bomb) => bomb switch
    {
        "snappy-xerial" => (CompressionType.Snappy, SnappyXerialBomb()),
        "zstd-rle-without-content-size" => (CompressionType.Zstd, ZstdRleBomb()),
        _ => Enum.Parse<CompressionType>(bomb, ignoreCase: true) is var codec
            ? (codec, CodecTestData.Compress(codec, new byte[Inflated]))
            : default,
    };

    /// <summary>128 chunks of 512 KiB each: every chunk is within the limit, their sum is not.</summary>
    private static byte[] SnappyXerialBomb()
    {
        var chunk = CodecTestData.Compress(CompressionType.Snappy, new byte[Inflated / 128]);
        return CodecTestData.XerialFrame(Enumerable.Repeat(chunk, 128).ToArray());
    }

    /// <summary>
    /// A hand-made frame with no content size, so the decoder cannot know the total in advance: header byte 0 (no
    /// content size, no checksum), window descriptor 0x38 (128 KiB), then RLE blocks of 128 KiB each, 4 bytes apiece.
    /// </summary>
    private static byte[] ZstdRleBomb()
    {
        const int blockSize = 128 * 1024;
        const int blocks = Inflated / blockSize;
        var frame = new List<byte> { 0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38 };
        for (var i = 0; i < blocks; i++)
        {
            // Block header, 3 bytes little-endian: last-block bit, type 1 (RLE), size; then the repeated byte.
            var header = (blockSize << 3) | (1 << 1) | (i == blocks - 1 ? 1 : 0);
            frame.AddRange([(byte)header, (byte)(header >> 8), (byte)(header >> 16), (byte)'x']);
        }
        return [.. frame];
    }
}
