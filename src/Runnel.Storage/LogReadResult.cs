using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Runnel.Storage.Segments;

namespace Runnel.Storage;

/// <summary>
/// Bytes of whole record batches in one segment file, ready for a zero-copy send: the OS handle (null for
/// in-memory test files), the position and the length.
/// </summary>
public readonly record struct FileRegion(SafeFileHandle? Handle, long Position, int Length);

/// <summary>
/// The answer to a log read: whole batches as a <see cref="FileRegion"/> (the first may begin before the offset asked
/// for, as in Kafka), plus the log's bounds at the time of the read. It holds a lease on its segment so the file
/// stays open even if retention deletes the segment meanwhile: dispose it once the bytes were sent or copied.
/// </summary>
public sealed class LogReadResult : IDisposable
{
    private LogSegment? _segment;

    internal LogReadResult(LogSegment? segment, SegmentSlice slice, long logStartOffset, long logEndOffset)
    {
        _segment = segment;
        Region = new FileRegion(segment?.LogFile.Handle, slice.Position, slice.Length);
        FirstBatchOffset = slice.Length == 0 ? -1 : slice.FirstOffset;
        NextOffset = slice.Length == 0 ? -1 : slice.NextOffset;
        LogStartOffset = logStartOffset;
        LogEndOffset = logEndOffset;
    }

    public FileRegion Region { get; }

    public int Length => Region.Length;

    public bool IsEmpty => Region.Length == 0;

    /// <summary>Base offset of the first batch returned, or -1 when empty.</summary>
    public long FirstBatchOffset { get; }

    /// <summary>One past the last offset of the last batch returned (where a sequential reader continues), or -1 when empty.</summary>
    public long NextOffset { get; }

    public long LogStartOffset { get; }

    public long LogEndOffset { get; }

    internal static LogReadResult Empty(long logStartOffset, long logEndOffset) => new(null, default, logStartOffset, logEndOffset);

    /// <summary>Copies the batches into <paramref name="destination"/>, which must hold <see cref="Length"/> bytes.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (Region.Length == 0)
            return;
        var file = (_segment ?? throw new ObjectDisposedException(nameof(LogReadResult))).LogFile;
        var read = file.Read(Region.Position, destination[..Region.Length]);
        if (read != Region.Length)
            throw new StorageException(StorageErrorKind.IoError, $"{file.Path} was truncated while being read ({read} of {Region.Length} bytes).");
    }

    /// <summary>Copies the batches into pooled memory; the caller disposes the owner to return it.</summary>
    public IMemoryOwner<byte> ToPooledMemory()
    {
        var owner = new PooledBytes(Region.Length);
        try
        {
            CopyTo(owner.Memory.Span);
            return owner;
        }
        catch
        {
            owner.Dispose();
            throw;
        }
    }

    public void Dispose() => Interlocked.Exchange(ref _segment, null)?.Release();

    private sealed class PooledBytes(int length) : IMemoryOwner<byte>
    {
        private byte[]? _array = ArrayPool<byte>.Shared.Rent(length);

        public Memory<byte> Memory => (_array ?? throw new ObjectDisposedException(nameof(PooledBytes))).AsMemory(0, length);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } array)
                ArrayPool<byte>.Shared.Return(array);
        }
    }
}
