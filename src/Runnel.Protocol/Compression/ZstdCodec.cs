using System.Buffers;

namespace Runnel.Protocol.Compression;

/// <summary>
/// zstd through the system's libzstd. Decompression streams, so frames that do not declare their content size
/// (those written by streaming producers) decode too, and the output is produced in bounded windows.
/// </summary>
internal static unsafe class ZstdCodec
{
    // zstd's default level, and the default of Kafka's compression.zstd.level and librdkafka.
    private const int Level = 3;

    // One context per thread, reset before each use: contexts are not thread-safe, and reusing one keeps its
    // tables and window buffers instead of allocating them for every batch.
    [ThreadStatic]
    private static NativeContext? _decompressionContext;

    [ThreadStatic]
    private static NativeContext? _compressionContext;

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        ZstdNative.Library.EnsureAvailable();
        var context = _compressionContext ??= ZstdNative.CreateCompressionContext();
        var bound = ZstdNative.ZSTD_compressBound((nuint)source.Length);
        if (ZstdNative.IsError(bound) || bound > int.MaxValue)
            throw new CompressionException(CompressionFailure.TooLarge, $"{source.Length} bytes are too many to compress with zstd at once.");
        var output = destination.GetSpan((int)bound);
        nuint written;
        fixed (byte* input = source)
        fixed (byte* target = output)
            written = ZstdNative.ZSTD_compressCCtx(context, target, (nuint)output.Length, input, (nuint)source.Length, Level);
        if (ZstdNative.IsError(written))
            throw new InvalidOperationException($"ZSTD_compressCCtx failed: {ZstdNative.ErrorName(written)}.");
        destination.Advance((int)written);
    }

    /// <summary>Decodes one frame or several concatenated ones (skippable frames included), as the format allows.</summary>
    public static int Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxOutputBytes)
    {
        ZstdNative.Library.EnsureAvailable();
        var context = _decompressionContext ??= ZstdNative.CreateDecompressionContext();
        ZstdNative.ZSTD_DCtx_reset(context, ZstdNative.ResetSessionOnly);
        var output = new BoundedOutput(destination, maxOutputBytes);
        fixed (byte* data = source)
        {
            var input = new ZstdBuffer { Data = data, Size = (nuint)source.Length };
            while (true)
            {
                var window = output.NextWindow();
                var consumedBefore = input.Position;
                fixed (byte* target = window)
                {
                    var outputBuffer = new ZstdBuffer { Data = target, Size = (nuint)window.Length };
                    var result = ZstdNative.ZSTD_decompressStream(context, &outputBuffer, &input);
                    if (ZstdNative.IsError(result))
                        throw new CompressionException(CompressionFailure.Corrupt, $"Invalid zstd frame: {ZstdNative.ErrorName(result)}.");
                    output.Commit((int)outputBuffer.Position);
                    if (result == 0 && input.Position == input.Size)
                        return output.Written;
                    // With room to write and input to read, the decoder always moves; standing still means it
                    // wants input that is not there.
                    if (outputBuffer.Position == 0 && input.Position == consumedBefore)
                        throw new CompressionException(CompressionFailure.Corrupt, "The zstd frame is truncated.");
                }
            }
        }
    }
}
