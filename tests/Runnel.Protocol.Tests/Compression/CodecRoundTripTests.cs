using System.Buffers;
using Runnel.Protocol.Compression;

namespace Runnel.Protocol.Tests.Compression;

public sealed class CodecRoundTripTests
{
    public static TheoryData<CompressionType, string, int> Cases()
    {
        var cases = new TheoryData<CompressionType, string, int>();
        foreach (var codec in CodecTestData.Codecs.Append(CompressionType.None))
        {
            cases.Add(codec, "compressible", 0);
            cases.Add(codec, "compressible", 1);
            cases.Add(codec, "compressible", 100 * 1024);
            cases.Add(codec, "random", 100 * 1024);
        }
        // Snappy works in 64 KiB fragments and switches literal and copy encodings at these sizes.
        foreach (var size in new[] { 16, 17, 61, 256, 257, 65_535, 65_536, 65_537, 300_000 })
            cases.Add(CompressionType.Snappy, "compressible", size);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decompress_returns_what_was_compressed(CompressionType codec, string kind, int size)
    {
        var data = kind == "random" ? CodecTestData.Incompressible(size) : CodecTestData.Compressible(size);

        var compressed = CodecTestData.Compress(codec, data);

        Assert.Equal(data, CodecTestData.Decompress(codec, compressed));
        if (kind == "compressible" && size >= 1024 && codec != CompressionType.None)
            Assert.True(compressed.Length < data.Length / 2, $"{codec} made {size} bytes into {compressed.Length}");
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Runs_of_one_byte_round_trip(CompressionType codec)
    {
        // Overlapping copies (offset 1) are the case a naive memmove gets wrong.
        var data = new byte[200_000];
        data.AsSpan(1000, 50_000).Fill(7);

        Assert.Equal(data, CodecTestData.Decompress(codec, CodecTestData.Compress(codec, data)));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Output_is_appended_after_what_the_destination_already_holds(CompressionType codec)
    {
        var data = CodecTestData.Compressible(5000);
        var output = new ArrayBufferWriter<byte>();
        output.Write("prefix"u8);

        CompressionCodecs.Decompress(codec, CodecTestData.Compress(codec, data), output, data.Length);

        Assert.Equal([.. "prefix"u8, .. data], output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Unknown_codecs_are_unsupported()
    {
        var error = Assert.Throws<CompressionException>(
            () => CompressionCodecs.Decompress((CompressionType)5, [1, 2, 3], new ArrayBufferWriter<byte>(), 100));
        Assert.Equal(CompressionFailure.Unsupported, error.Failure);
    }

    public static TheoryData<CompressionType> Codecs() => new(CodecTestData.Codecs);
}
