using System.Buffers;
using Runnel.Protocol.Compression;

namespace Runnel.Protocol.Tests.Compression;

/// <summary>
/// Mutated compressed data either decodes or fails with <see cref="CompressionException"/>: never an
/// IndexOutOfRangeException, an InvalidDataException or a crash, whatever the bytes say.
/// </summary>
public sealed class CorruptInputTests
{
    private const int Limit = 1 << 20;
    private const int BitFlipCases = 3000;

    public static TheoryData<string> Inputs() => new(["gzip", "snappy", "snappy-xerial", "lz4", "zstd"]);

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Truncations_fail_as_corrupt(string input)
    {
        var (codec, valid) = Make(input);
        for (var length = 0; length < valid.Length; length++)
        {
            var cut = valid.AsSpan(0, length).ToArray();
            if (input == "snappy-xerial")
            {
                // Xerial framing has no total length: a cut at a chunk boundary is a shorter, valid stream.
                DecodesOrFailsTyped(codec, cut, $"cut to {length}");
                continue;
            }
            var error = Assert.Throws<CompressionException>(() => Decode(codec, cut));
            Assert.True(error.Failure == CompressionFailure.Corrupt, $"{input} cut to {length}: {error.Failure}");
        }
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Bit_flips_decode_or_fail_as_compression_errors(string input)
    {
        var (codec, valid) = Make(input);
        var random = new Random(input.Length * 7919);
        for (var i = 0; i < BitFlipCases; i++)
        {
            var mutated = (byte[])valid.Clone();
            var flips = 1 + random.Next(4);
            for (var f = 0; f < flips; f++)
            {
                var bit = random.Next(mutated.Length * 8);
                mutated[bit / 8] ^= (byte)(1 << (bit % 8));
            }
            DecodesOrFailsTyped(codec, mutated, $"case {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Random_bytes_decode_or_fail_as_compression_errors(string input)
    {
        var (codec, valid) = Make(input);
        var random = new Random(input.Length);
        for (var i = 0; i < 500; i++)
        {
            // Keep the real header (magic, flags) so the garbage reaches the block decoders.
            var mutated = (byte[])valid.Clone();
            random.NextBytes(mutated.AsSpan(Math.Min(16, mutated.Length / 2)));
            DecodesOrFailsTyped(codec, mutated, $"case {i}");
        }
    }

    private static void DecodesOrFailsTyped(CompressionType codec, byte[] input, string what)
    {
        try
        {
            Decode(codec, input);
        }
        catch (CompressionException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"{codec} {what}: {e.GetType().Name}: {e.Message}\n{Convert.ToHexString(input)}");
        }
    }

    private static void Decode(CompressionType codec, byte[] input) =>
        CompressionCodecs.Decompress(codec, input, new ArrayBufferWriter<byte>(), Limit);

    private static (CompressionType Codec, byte[] Valid) Make(string input)
    {
        // Mostly text with a run and some noise, so literals, short and long copies all appear.
        var data = CodecTestData.Compressible(6000).Concat(new byte[500]).Concat(CodecTestData.Incompressible(300)).ToArray();
        if (input == "snappy-xerial")
        {
            var blocks = data.Chunk(2500).Select(chunk => CodecTestData.Compress(CompressionType.Snappy, chunk)).ToArray();
            return (CompressionType.Snappy, CodecTestData.XerialFrame(blocks));
        }
        var codec = Enum.Parse<CompressionType>(input, ignoreCase: true);
        return (codec, CodecTestData.Compress(codec, data));
    }
}
