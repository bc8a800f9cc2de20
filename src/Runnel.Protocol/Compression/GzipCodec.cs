using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Runnel.Protocol.Compression;

/// <summary>
/// gzip (RFC 1952) through the framework's <see cref="GZipStream"/>, which also reads concatenated members as zlib
/// and Kafka's GZIPInputStream do. Every Kafka client writes a single member at zlib's default level.
/// </summary>
internal static class GzipCodec
{
    // The smallest member: a 10-byte header, an empty final block (2 bytes), CRC-32 and ISIZE.
    private const int MinimumMemberSize = 10 + 2 + 8;

    // GZipStream writes nothing at all for empty input, which no reader accepts; this is the member zlib writes:
    // header (no name, unix), an empty final block with fixed codes, CRC-32 0 and ISIZE 0.
    private static ReadOnlySpan<byte> EmptyMember => [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        if (source.IsEmpty)
        {
            destination.Write(EmptyMember);
            return;
        }
        // Optimal is zlib's level 6, the level Kafka's Java client and librdkafka use by default.
        using var gzip = new GZipStream(new BufferWriterStream(destination), CompressionLevel.Optimal);
        gzip.Write(source);
    }

    public static unsafe int Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxOutputBytes)
    {
        if (source.Length < MinimumMemberSize)
            throw Corrupt($"{source.Length} bytes are too few for a gzip member.");
        var output = new BoundedOutput(destination, maxOutputBytes);
        try
        {
            // The input is read in place: the stream only lives inside this fixed block.
            fixed (byte* input = source)
            {
                using var inputStream = new UnmanagedMemoryStream(input, source.Length);
                using var gzip = new GZipStream(inputStream, CompressionMode.Decompress);
                int read;
                do
                {
                    read = gzip.Read(output.NextWindow());
                    output.Commit(read);
                }
                while (read > 0);
            }
        }
        catch (InvalidDataException e)
        {
            throw Corrupt($"Invalid gzip data: {e.Message}", e);
        }

        // GZipStream reports the end of its input as the end of the data even inside a member (dotnet/runtime#47563;
        // a fix was reverted in #72742), so a truncated batch would decode to a silently shortened one. zlib checks
        // CRC-32 and ISIZE for every member it completes; for the last one to be complete, the input must end with its
        // trailer, whose ISIZE (the member's output size, mod 2^32) can be no more than the whole output. Cut input
        // ends in arbitrary bytes, which pass this only with probability output/2^32.
        var lastMemberSize = BinaryPrimitives.ReadUInt32LittleEndian(source[^4..]);
        if (lastMemberSize > (uint)output.Written)
            throw Corrupt("The gzip data is truncated: it does not end with a member trailer.");
        return output.Written;
    }

    private static CompressionException Corrupt(string message, Exception? inner = null) =>
        new(CompressionFailure.Corrupt, message, inner);
}
