using Runnel.Storage.IO;

namespace Runnel.Storage.Segments;

/// <summary>
/// An append-only array of fixed-size entries kept in memory and written to its file lazily. The file matters
/// only after a restart, so entries reach it when the segment is flushed, rolled or closed, never one syscall per
/// append. Readers take <see cref="Entries"/> without a lock: an entry is immutable once <c>_count</c> covers it, and
/// a grown array is published before the count that needs it.
/// </summary>
internal abstract class SparseIndex<TEntry> : IDisposable
    where TEntry : struct
{
    private readonly IStorageFile _file;
    private TEntry[] _entries = new TEntry[16];
    private int _count;
    private int _written;
    private bool _fileNeedsTrim;

    protected SparseIndex(IStorageFile file, long baseOffset, int maxIndexBytes)
    {
        _file = file;
        BaseOffset = baseOffset;
        MaxEntries = Math.Max(1, maxIndexBytes / EntrySize);
    }

    public long BaseOffset { get; }

    public int MaxEntries { get; }

    public bool IsFull => _count >= MaxEntries;

    public int Count => Volatile.Read(ref _count);

    public string Path => _file.Path;

    protected abstract int EntrySize { get; }

    /// <summary>The published entries; safe to read while an appender adds more.</summary>
    public ReadOnlySpan<TEntry> Entries
    {
        get
        {
            var count = Volatile.Read(ref _count);
            return Volatile.Read(ref _entries).AsSpan(0, count);
        }
    }

    protected abstract void Encode(TEntry entry, Span<byte> destination);

    protected abstract TEntry Decode(ReadOnlySpan<byte> source);

    /// <summary>The entry's offset, relative to <see cref="BaseOffset"/>; entries are ordered by it.</summary>
    protected abstract int RelativeOffsetOf(TEntry entry);

    protected void Add(TEntry entry)
    {
        var entries = _entries;
        if (_count == entries.Length)
        {
            Array.Resize(ref entries, entries.Length * 2);
            Volatile.Write(ref _entries, entries);
        }
        entries[_count] = entry;
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Drops every entry at or above <paramref name="offset"/>.</summary>
    public void TruncateTo(long offset)
    {
        var entries = Entries;
        var keep = entries.Length;
        while (keep > 0 && BaseOffset + RelativeOffsetOf(entries[keep - 1]) >= offset)
            keep--;
        Truncate(keep);
    }

    public void Reset() => Truncate(0);

    private void Truncate(int keep)
    {
        Volatile.Write(ref _count, keep);
        if (_written > keep)
        {
            _written = keep;
            _fileNeedsTrim = true;
        }
    }

    /// <summary>Writes the entries the file lacks; the caller fsyncs with <see cref="Flush"/> when it must be durable.</summary>
    public void WritePending()
    {
        if (_fileNeedsTrim)
        {
            _file.SetLength((long)_written * EntrySize);
            _fileNeedsTrim = false;
        }
        var pending = Entries[_written..];
        if (pending.IsEmpty)
            return;
        Span<byte> chunk = stackalloc byte[4096];
        var perChunk = chunk.Length / EntrySize;
        for (var i = 0; i < pending.Length; i += perChunk)
        {
            var n = Math.Min(perChunk, pending.Length - i);
            for (var j = 0; j < n; j++)
                Encode(pending[i + j], chunk.Slice(j * EntrySize, EntrySize));
            _file.Write((long)(_written + i) * EntrySize, chunk[..(n * EntrySize)]);
        }
        _written += pending.Length;
    }

    public void Flush()
    {
        WritePending();
        _file.Flush();
    }

    /// <summary>
    /// Loads the file's entries. Returns false, leaving the index empty, when the file is not a whole number of
    /// entries or its entries are out of order; the caller then rebuilds it from the log.
    /// </summary>
    public bool Load(Func<TEntry, TEntry, bool> inOrder, Func<TEntry, bool> inBounds)
    {
        Reset();
        var length = _file.Length;
        if (length % EntrySize != 0 || length / EntrySize > MaxEntries)
            return false;
        var bytes = new byte[length];
        if (_file.Read(0, bytes) != bytes.Length)
            return false;
        for (var i = 0; i < bytes.Length; i += EntrySize)
        {
            var entry = Decode(bytes.AsSpan(i, EntrySize));
            if (!inBounds(entry) || (_count > 0 && !inOrder(_entries[_count - 1], entry)))
            {
                Reset();
                _written = 0;
                _fileNeedsTrim = true;
                return false;
            }
            Add(entry);
        }
        _written = _count;
        return true;
    }

    public void Dispose() => _file.Dispose();
}
