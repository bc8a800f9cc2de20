namespace Runnel.Protocol.Compression;

/// <summary>Why a payload could not be compressed or decompressed.</summary>
public enum CompressionFailure
{
    /// <summary>The compressed bytes are malformed or truncated.</summary>
    Corrupt,

    /// <summary>The output would exceed the caller's limit (a compression bomb, or a batch over the size cap).</summary>
    TooLarge,

    /// <summary>The codec is unknown, or its native library is not available on this machine.</summary>
    Unsupported,
}

/// <summary>A typed error from the codecs; the broker maps it to CORRUPT_MESSAGE or UNSUPPORTED_COMPRESSION_TYPE.</summary>
public sealed class CompressionException : Exception
{
    public CompressionException(CompressionFailure failure, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
    }

    public CompressionFailure Failure { get; }
}
