using System.Buffers;

namespace Runnel.Protocol.Compression;

/// <summary>
/// LZ4 in the frame format (magic 2 batches; the broken header checksum of old magic-0 messages is not handled),
/// through the system's liblz4.
/// </summary>
internal static unsafe class Lz4Codec
{
    // Kafka's Java reader decodes each block on its own and rejects frames of dependent blocks, so Compress writes
    // what Kafka's own writer does: independent 64 KiB blocks, no checksums, no content size.
    private static readonly Lz4Preferences Preferences = new() { BlockSizeId = 4, BlockMode = 1 };

    // One context per thread, reset before each use: contexts are not thread-safe and cost a malloc to create.
    [ThreadStatic]
    private static NativeContext? _context;

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        Lz4Native.Library.EnsureAvailable();
        var bound = Lz4Native.LZ4F_compressFrameBound((nuint)source.Length, in Preferences);
        if (bound > int.MaxValue)
            throw new CompressionException(CompressionFailure.TooLarge, $"{source.Length} bytes are too many to compress with lz4 at once.");
        var output = destination.GetSpan((int)bound);
        nuint written;
        fixed (byte* input = source)
        fixed (byte* target = output)
            written = Lz4Native.LZ4F_compressFrame(target, (nuint)output.Length, input, (nuint)source.Length, in Preferences);
        if (Lz4Native.IsError(written))
            throw new InvalidOperationException($"LZ4F_compressFrame failed: {Lz4Native.ErrorName(written)}.");
        destination.Advance((int)written);
    }

    /// <summary>Decodes one frame or several concatenated ones, as the lz4 tool does.</summary>
    public static int Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxOutputBytes)
    {
        Lz4Native.Library.EnsureAvailable();
        var context = _context ??= Lz4Native.CreateDecompressionContext();
        Lz4Native.LZ4F_resetDecompressionContext(context);
        var output = new BoundedOutput(destination, maxOutputBytes);
        fixed (byte* input = source)
        {
            var consumed = 0;
            while (true)
            {
                var window = output.NextWindow();
                var windowSize = (nuint)window.Length;
                var inputSize = (nuint)(source.Length - consumed);
                nuint hint;
                fixed (byte* target = window)
                    hint = Lz4Native.LZ4F_decompress(context, target, &windowSize, input + consumed, &inputSize, null);
                if (Lz4Native.IsError(hint))
                    throw new CompressionException(CompressionFailure.Corrupt, $"Invalid lz4 frame: {Lz4Native.ErrorName(hint)}.");
                output.Commit((int)windowSize);
                consumed += (int)inputSize;
                if (hint == 0 && consumed == source.Length)
                    return output.Written;
                // With room to write and input to read, the decoder always moves; standing still means it wants
                // input that is not there.
                if (windowSize == 0 && inputSize == 0)
                    throw new CompressionException(CompressionFailure.Corrupt, "The lz4 frame is truncated.");
            }
        }
    }
}
