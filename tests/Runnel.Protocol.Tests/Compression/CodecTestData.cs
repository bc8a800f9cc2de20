using System.Buffers;
using System.Text;
using Runnel.Protocol.Compression;

namespace Runnel.Protocol.Tests.Compression;

/// <summary>Deterministic inputs and one-call helpers shared by the codec tests.</summary>
internal static class CodecTestData
{
    public static readonly CompressionType[] Codecs =
        [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

    private static readonly string[] Words =
        ["kafka", "runnel", "record", "batch", "offset", "partition", "leader", "epoch", "topic", "{\"id\":", "\"value\":", "\n"];

    /// <summary>Log-like text: a small vocabulary plus numbers, which every codec shrinks several-fold.</summary>
    public static byte[] Compressible(int size, int seed = 1)
    {
        var random = new Random(seed);
        var text = new StringBuilder(size + 32);
        while (text.Length < size)
            text.Append(Words[random.Next(Words.Length)]).Append(' ').Append(random.Next(1000));
        return Encoding.ASCII.GetBytes(text.ToString(0, size));
    }

    public static byte[] Incompressible(int size, int seed = 2)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static byte[] Compress(CompressionType codec, ReadOnlySpan<byte> data)
    {
        var output = new ArrayBufferWriter<byte>();
        CompressionCodecs.Compress(codec, data, output);
        return output.WrittenSpan.ToArray();
    }

    public static byte[] Decompress(CompressionType codec, ReadOnlySpan<byte> data, int maxOutputBytes = 1 << 20)
    {
        var output = new ArrayBufferWriter<byte>();
        var size = CompressionCodecs.Decompress(codec, data, output, maxOutputBytes);
        Assert.Equal(output.WrittenCount, size);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Wraps raw snappy blocks in the xerial framing kafka-python writes.</summary>
    public static byte[] XerialFrame(params byte[][] blocks)
    {
        var frame = new List<byte> { 0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1 };
        foreach (var block in blocks)
        {
            frame.AddRange([(byte)(block.Length >> 24), (byte)(block.Length >> 16), (byte)(block.Length >> 8), (byte)block.Length]);
            frame.AddRange(block);
        }
        return [.. frame];
    }
}
