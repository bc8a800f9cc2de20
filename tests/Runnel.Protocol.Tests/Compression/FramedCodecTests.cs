using System.Reflection;
using System.Runtime.InteropServices;
using Runnel.Protocol.Compression;

namespace Runnel.Protocol.Tests.Compression;

/// <summary>gzip, lz4 and zstd behaviours beyond the round trip.</summary>
public sealed class FramedCodecTests
{
    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Concatenated_members_or_frames_decode_to_the_concatenation(CompressionType codec)
    {
        var first = CodecTestData.Compressible(20_000, seed: 4);
        var second = CodecTestData.Compressible(3000, seed: 5);
        byte[] concatenated = [.. CodecTestData.Compress(codec, first), .. CodecTestData.Compress(codec, second)];

        Assert.Equal([.. first, .. second], CodecTestData.Decompress(codec, concatenated));
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Trailing_garbage_is_corrupt(CompressionType codec)
    {
        byte[] input = [.. CodecTestData.Compress(codec, CodecTestData.Compressible(5000)), 1, 2, 3, 4, 5, 6, 7, 8, 9];

        var error = Assert.Throws<CompressionException>(() => CodecTestData.Decompress(codec, input));
        Assert.Equal(CompressionFailure.Corrupt, error.Failure);
    }

    [Fact]
    public void Lz4_frames_are_what_Kafkas_java_reader_accepts()
    {
        var frame = CodecTestData.Compress(CompressionType.Lz4, CodecTestData.Compressible(200_000));

        Assert.Equal([0x04, 0x22, 0x4D, 0x18], frame[..4]);
        // FLG: version 01, independent blocks, no block checksum, no content size, no content checksum.
        Assert.Equal(0x60, frame[4]);
        // BD: 64 KiB blocks.
        Assert.Equal(0x40, frame[5]);
    }

    [Fact]
    public void A_zstd_frame_without_content_size_decodes()
    {
        // Frame header byte 0 (no content size), window descriptor 0 (1 KiB), one raw last block of 5 bytes.
        byte[] frame = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x00, (5 << 3) | 1, 0, 0, .. "hello"u8];

        Assert.Equal("hello"u8.ToArray(), CodecTestData.Decompress(CompressionType.Zstd, frame));
    }

    [Fact]
    public void A_missing_native_library_is_unsupported_and_named()
    {
        var library = new NativeCodecLibrary("libnot-a-codec.so.9", "not-a-package", "nothing");

        var error = Assert.Throws<CompressionException>(library.EnsureAvailable);
        Assert.Equal(CompressionFailure.Unsupported, error.Failure);
        Assert.Contains("libnot-a-codec.so.9", error.Message, StringComparison.Ordinal);
        Assert.Contains("not-a-package", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_library_without_a_needed_function_is_unsupported_and_named()
    {
        var library = new NativeCodecLibrary("libzstd.so.1", "libzstd1", "ZSTD_isError", "ZSTD_not_a_function");

        var error = Assert.Throws<CompressionException>(library.EnsureAvailable);
        Assert.Equal(CompressionFailure.Unsupported, error.Failure);
        Assert.Contains("ZSTD_not_a_function", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(typeof(Lz4Native))]
    [InlineData(typeof(ZstdNative))]
    public void The_probe_checks_every_imported_function(Type interop)
    {
        var library = (NativeCodecLibrary)interop.GetField("Library")!.GetValue(null)!;
        var imported = interop.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(method => method.GetCustomAttribute<LibraryImportAttribute>() is not null)
            .Select(method => method.Name);

        Assert.Equal(imported.Order(), library.Functions.Order());
    }

    [Fact]
    public void Codecs_work_from_many_threads_at_once()
    {
        var data = CodecTestData.Compressible(50_000);
        Parallel.For(0, 64, i =>
        {
            var codec = CodecTestData.Codecs[i % CodecTestData.Codecs.Length];
            Assert.Equal(data, CodecTestData.Decompress(codec, CodecTestData.Compress(codec, data)));
        });
    }
}
