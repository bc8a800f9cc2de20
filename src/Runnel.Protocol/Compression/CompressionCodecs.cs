using System.Buffers;

namespace Runnel.Protocol.Compression;

/// <summary>
/// Entry point for the record batch codecs. Compress writes what Kafka clients expect to read (snappy as raw
/// blocks, lz4 as the frame format); Decompress accepts every variant real clients write and never produces more
/// than <c>maxOutputBytes</c>, so a small batch cannot inflate into an out-of-memory.
/// </summary>
public static class CompressionCodecs
{
    public static void Compress(CompressionType type, ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        switch (type)
        {
            case CompressionType.None:
                source.CopyTo(destination.GetSpan(source.Length));
                destination.Advance(source.Length);
                break;
            default:
                throw new CompressionException(CompressionFailure.Unsupported, $"{type} compression is not implemented yet.");
        }
    }

    /// <summary>Decompresses into <paramref name="destination"/> and returns the number of bytes produced.</summary>
    /// <exception cref="CompressionException">Corrupt input, output over the limit, or an unavailable codec.</exception>
    public static int Decompress(CompressionType type, ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxOutputBytes)
    {
        switch (type)
        {
            case CompressionType.None:
                if (source.Length > maxOutputBytes)
                    throw new CompressionException(CompressionFailure.TooLarge, $"{source.Length} bytes exceed the limit of {maxOutputBytes}.");
                source.CopyTo(destination.GetSpan(source.Length));
                destination.Advance(source.Length);
                return source.Length;
            default:
                throw new CompressionException(CompressionFailure.Unsupported, $"{type} decompression is not implemented yet.");
        }
    }
}
