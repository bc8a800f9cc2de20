using System.Buffers;
using System.Buffers.Binary;

namespace Runnel.Protocol.Compression;

/// <summary>
/// Snappy, managed. Compress writes one raw block, as librdkafka, franz-go and KafkaJS's plugin do. Decompress also
/// reads the xerial framing that kafka-python and the Java client write: an 8-byte magic, two int32 versions, then
/// chunks of [int32 big-endian length, raw block]. Every length and offset is checked before it is used, so
/// malformed input ends in <see cref="CompressionFailure.Corrupt"/> and nothing else.
/// </summary>
internal static partial class SnappyCodec
{
    private const int XerialHeaderSize = 16;

    // A 3-byte copy element yields at most 64 bytes, the best any element does, so a block body of n bytes decodes
    // to fewer than 22n. A declared length above that is corrupt and is refused before anything is allocated.
    private const int MaxExpansion = 22;

    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];

    public static int Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxOutputBytes)
    {
        maxOutputBytes = Math.Max(maxOutputBytes, 0);
        if (!source.StartsWith(XerialMagic))
            return DecompressBlock(source, destination, 0, maxOutputBytes);

        // The two version fields are not checked: writers have only ever used 1 and readers ignore them.
        if (source.Length < XerialHeaderSize)
            throw Corrupt("The xerial snappy header is truncated.");
        var written = 0;
        var remaining = source[XerialHeaderSize..];
        while (!remaining.IsEmpty)
        {
            if (remaining.Length < 4)
                throw Corrupt("A xerial snappy chunk length is truncated.");
            var chunkLength = BinaryPrimitives.ReadInt32BigEndian(remaining);
            if (chunkLength < 0 || chunkLength > remaining.Length - 4)
                throw Corrupt($"A xerial snappy chunk of {chunkLength} bytes overruns the {remaining.Length - 4} that remain.");
            written += DecompressBlock(remaining.Slice(4, chunkLength), destination, written, maxOutputBytes);
            remaining = remaining[(4 + chunkLength)..];
        }
        return written;
    }

    /// <summary>Decodes one raw block (uvarint length, then elements) after <paramref name="written"/> bytes of output.</summary>
    private static int DecompressBlock(ReadOnlySpan<byte> block, IBufferWriter<byte> destination, int written, int maxOutputBytes)
    {
        var headerLength = ReadLength(block, out var declared);
        if (declared > (uint)(maxOutputBytes - written))
            throw BoundedOutput.TooLarge(maxOutputBytes);
        var body = block[headerLength..];
        if (declared > (long)body.Length * MaxExpansion)
            throw Corrupt($"A snappy block of {body.Length} bytes cannot hold the {declared} it declares.");
        var length = (int)declared;
        var output = destination.GetSpan(length)[..length];
        DecodeElements(body, output);
        destination.Advance(length);
        return length;
    }

    private static int ReadLength(ReadOnlySpan<byte> block, out uint length)
    {
        ulong value = 0;
        for (var i = 0; i < 5 && i < block.Length; i++)
        {
            value |= (ulong)(block[i] & 0x7F) << (7 * i);
            if (block[i] < 0x80)
            {
                if (value > uint.MaxValue)
                    break;
                length = (uint)value;
                return i + 1;
            }
        }
        throw Corrupt("The snappy block length is malformed or truncated.");
    }

    /// <summary>Runs the literal and copy elements of a block body; they must fill <paramref name="output"/> exactly.</summary>
    private static void DecodeElements(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int s = 0, d = 0;
        while (s < input.Length)
        {
            int tag = input[s++];
            long length;
            long offset;
            switch (tag & 3)
            {
                case 0:
                    length = (tag >> 2) + 1;
                    if (length > 60)
                    {
                        // Lengths past 60 follow the tag in 1 to 4 little-endian bytes, minus one.
                        var extra = (int)length - 60;
                        if (input.Length - s < extra)
                            throw Corrupt("A snappy literal length is truncated.");
                        length = ReadLittleEndian(input.Slice(s, extra)) + 1;
                        s += extra;
                    }
                    if (length > input.Length - s || length > output.Length - d)
                        throw Corrupt($"A snappy literal of {length} bytes overruns its input or output.");
                    input.Slice(s, (int)length).CopyTo(output[d..]);
                    s += (int)length;
                    d += (int)length;
                    continue;
                case 1:
                    if (input.Length - s < 1)
                        throw Corrupt("A snappy copy element is truncated.");
                    length = 4 + ((tag >> 2) & 7);
                    offset = ((tag & 0xE0) << 3) | input[s];
                    s += 1;
                    break;
                case 2:
                    if (input.Length - s < 2)
                        throw Corrupt("A snappy copy element is truncated.");
                    length = 1 + (tag >> 2);
                    offset = BinaryPrimitives.ReadUInt16LittleEndian(input[s..]);
                    s += 2;
                    break;
                default:
                    if (input.Length - s < 4)
                        throw Corrupt("A snappy copy element is truncated.");
                    length = 1 + (tag >> 2);
                    offset = BinaryPrimitives.ReadUInt32LittleEndian(input[s..]);
                    s += 4;
                    break;
            }
            if (offset == 0 || offset > d || length > output.Length - d)
                throw Corrupt($"A snappy copy (offset {offset}, length {length}) reaches outside the output at {d}.");
            Copy(output, d, (int)offset, (int)length);
            d += (int)length;
        }
        if (d != output.Length)
            throw Corrupt($"A snappy block declared {output.Length} bytes but decoded to {d}.");
    }

    private static long ReadLittleEndian(ReadOnlySpan<byte> bytes)
    {
        long value = 0;
        for (var i = bytes.Length - 1; i >= 0; i--)
            value = (value << 8) | bytes[i];
        return value;
    }

    /// <summary>Copies from <paramref name="offset"/> bytes back; overlapping copies repeat the pattern, as the format says.</summary>
    private static void Copy(Span<byte> output, int at, int offset, int length)
    {
        if (offset >= length)
        {
            output.Slice(at - offset, length).CopyTo(output[at..]);
            return;
        }
        // Each pass copies at most one period, which never overlaps itself; the copied run doubles as a source.
        var copied = 0;
        while (copied < length)
        {
            var chunk = Math.Min(offset + copied, length - copied);
            output.Slice(at - offset, chunk).CopyTo(output[(at + copied)..]);
            copied += chunk;
        }
    }

    private static CompressionException Corrupt(string message) => new(CompressionFailure.Corrupt, message);
}
