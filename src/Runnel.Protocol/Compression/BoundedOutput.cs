using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Runnel.Protocol.Compression;

/// <summary>
/// Hands a streaming decoder windows of the destination that never reach past the caller's limit. Once the limit
/// is met, the window is a one-byte probe owned by this struct: a decoder that still writes into it had more to
/// give, which is reported as <see cref="CompressionFailure.TooLarge"/> without the destination ever growing past
/// the limit. Used by the gzip, lz4 and zstd decoders; snappy knows its size up front and checks it directly.
/// </summary>
internal ref struct BoundedOutput
{
    // Asking the writer for windows of this size keeps a pooled or growable writer from over-allocating when the
    // limit is large but the payload is small.
    private const int WindowHint = 64 * 1024;

    private readonly IBufferWriter<byte> _destination;
    private readonly int _maxOutputBytes;
    private byte _probe;

    public BoundedOutput(IBufferWriter<byte> destination, int maxOutputBytes)
    {
        _destination = destination;
        _maxOutputBytes = Math.Max(maxOutputBytes, 0);
    }

    /// <summary>The bytes committed to the destination so far.</summary>
    public int Written { get; private set; }

    /// <summary>The next window to decode into; call <see cref="Commit"/> with what the decoder wrote.</summary>
    [UnscopedRef]
    public Span<byte> NextWindow()
    {
        var allowance = _maxOutputBytes - Written;
        if (allowance == 0)
            return new Span<byte>(ref _probe);
        var window = _destination.GetSpan(Math.Min(allowance, WindowHint));
        return window.Length > allowance ? window[..allowance] : window;
    }

    /// <summary>Commits <paramref name="count"/> bytes of the last window, or throws if they went into the probe.</summary>
    public void Commit(int count)
    {
        if (count == 0)
            return;
        if (Written == _maxOutputBytes)
            throw TooLarge(_maxOutputBytes);
        _destination.Advance(count);
        Written += count;
    }

    public static CompressionException TooLarge(int maxOutputBytes) =>
        new(CompressionFailure.TooLarge, $"The decompressed data exceeds the limit of {maxOutputBytes} bytes.");
}
