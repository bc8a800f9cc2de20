using System.Buffers;

namespace Runnel.Protocol.Compression;

/// <summary>
/// Entry point for the record batch codecs. Compress writes what Kafka clients expect to read (snappy as raw
/// blocks, lz4 as the frame format); Decompress accepts every variant real clients write and never produces more
/// than <c>maxOutputBytes</c>, so a small batch cannot inflate into an out-of-memory. gzip and snappy are managed;
/// lz4 and zstd call the system's liblz4.so.1 and libzstd.so.1, and report Unsupported when those are missing.
/// All methods are thread-safe.
/// </summary>
public static class CompressionCodecs
{
    /// <exception cref="CompressionException">An unknown codec, or an unavailable native library.</exception>
    public static void Compress(CompressionType type, ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        switch (type)
        {
            case CompressionType.None:
                source.CopyTo(destination.GetSpan(source.Length));
                destination.Advance(source.Length);
                break;
            case CompressionType.Gzip:
                GzipCodec.Compress(source, destination);
                break;
            case CompressionType.Snappy:
                SnappyCodec.Compress(source, destination);
                break;
            case CompressionType.Lz4:
                Lz4Codec.Compress(source, destination);
                break;
            case CompressionType.Zstd:
                ZstdCodec.Compress(source, destination);
                break;
            default:
                throw Unknown(type);
        }
    }

    /// <summary>Decompresses into <paramref name="destination"/> and returns the number of bytes produced.</summary>
    /// <exception cref="CompressionException">Corrupt input, output over the limit, or an unavailable codec.</exception>
    public static int Decompress(CompressionType type, ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxOutputBytes) =>
        type switch
        {
            CompressionType.None => Copy(source, destination, maxOutputBytes),
            CompressionType.Gzip => GzipCodec.Decompress(source, destination, maxOutputBytes),
            CompressionType.Snappy => SnappyCodec.Decompress(source, destination, maxOutputBytes),
            CompressionType.Lz4 => Lz4Codec.Decompress(source, destination, maxOutputBytes),
            CompressionType.Zstd => ZstdCodec.Decompress(source, destination, maxOutputBytes),
            _ => throw Unknown(type),
        };

    private static int Copy(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxOutputBytes)
    {
        if (source.Length > maxOutputBytes)
            throw BoundedOutput.TooLarge(maxOutputBytes);
        source.CopyTo(destination.GetSpan(source.Length));
        destination.Advance(source.Length);
        return source.Length;
    }

    // Attributes carry three bits, so 5-7 reach here from the wire; Kafka answers UNSUPPORTED_COMPRESSION_TYPE.
    private static CompressionException Unknown(CompressionType type) =>
        new(CompressionFailure.Unsupported, $"Compression type {(int)type} is not a Kafka codec.");
}
