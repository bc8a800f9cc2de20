using Runnel.Storage.IO;

namespace Runnel.Storage.Transactions;

/// <summary>
/// A segment's <c>.txnindex</c> (Kafka's TransactionIndex): the aborted transactions whose abort markers lie in the
/// segment, in marker order. The file is created only when the first entry is appended; the entries are also kept in
/// memory (34 bytes each), so a read_committed fetch does not read the file. Appends and truncation run under the
/// owning log's lock; reads take the array published last.
/// </summary>
internal sealed class TransactionIndex : IDisposable
{
    private readonly IFileSystem _fs;
    private IStorageFile? _file;
    private AbortedTransaction[] _entries = [];
    private bool _dirty;

    private TransactionIndex(IFileSystem fs, string path, long baseOffset)
    {
        _fs = fs;
        Path = path;
        BaseOffset = baseOffset;
    }

    public string Path { get; }

    public long BaseOffset { get; }

    public IReadOnlyList<AbortedTransaction> Entries => Volatile.Read(ref _entries);

    /// <summary>
    /// Opens the index at <paramref name="path"/> if it exists. A torn last entry is cut; an entry of an unknown
    /// version, or one ending before the segment's base offset (Kafka's sanity check), makes the whole file
    /// suspect: it is emptied and <paramref name="valid"/> is false, so the caller rebuilds it from the log.
    /// </summary>
    public static TransactionIndex Open(IFileSystem fs, string path, long baseOffset, out bool valid)
    {
        var index = new TransactionIndex(fs, path, baseOffset);
        valid = true;
        if (!fs.FileExists(path))
            return index;
        index._file = fs.Open(path, create: false);
        var length = index._file.Length;
        var bytes = new byte[length - length % AbortedTransaction.Size];
        index._file.Read(0, bytes);
        var entries = new List<AbortedTransaction>();
        for (var pos = 0; pos < bytes.Length; pos += AbortedTransaction.Size)
        {
            if (!AbortedTransaction.TryRead(bytes.AsSpan(pos), out var entry) || entry.LastOffset < baseOffset
                || (entries.Count > 0 && entry.LastOffset <= entries[^1].LastOffset))
            {
                valid = false;
                entries.Clear();
                break;
            }
            entries.Add(entry);
        }
        if (!valid || length != bytes.Length)
        {
            index._file.SetLength(valid ? bytes.Length : 0);
            index._dirty = true;
        }
        index._entries = [.. entries];
        return index;
    }

    /// <summary>Creates an empty index (a new segment); a file left behind under its name is removed.</summary>
    public static TransactionIndex Create(IFileSystem fs, string path, long baseOffset)
    {
        fs.DeleteFile(path);
        return new TransactionIndex(fs, path, baseOffset);
    }

    /// <summary>Appends an entry; markers only move forward, so its last offset must exceed the previous entry's.</summary>
    public void Append(in AbortedTransaction entry)
    {
        var entries = _entries;
        if (entries.Length > 0 && entry.LastOffset <= entries[^1].LastOffset)
            throw new InvalidOperationException($"Aborted transaction ending at {entry.LastOffset} is not after {entries[^1].LastOffset} in {Path}.");
        Span<byte> bytes = stackalloc byte[AbortedTransaction.Size];
        entry.Write(bytes);
        _file ??= _fs.Open(Path, create: true);
        _file.Write((long)entries.Length * AbortedTransaction.Size, bytes);
        _dirty = true;
        Volatile.Write(ref _entries, [.. entries, entry]);
    }

    /// <summary>Removes every entry whose marker is at or above <paramref name="offset"/> (Kafka's truncateTo).</summary>
    public void TruncateTo(long offset)
    {
        var entries = _entries;
        var keep = 0;
        while (keep < entries.Length && entries[keep].LastOffset < offset)
            keep++;
        if (keep == entries.Length)
            return;
        _file?.SetLength((long)keep * AbortedTransaction.Size);
        _dirty = true;
        Volatile.Write(ref _entries, entries[..keep]);
    }

    /// <summary>Removes every entry (the segment is being rebuilt from its batches).</summary>
    public void Reset() => TruncateTo(long.MinValue);

    /// <summary>
    /// Kafka's collectAbortedTxns: the entries that overlap [<paramref name="fetchOffset"/>, <paramref name="upperBound"/>)
    /// go to <paramref name="into"/>; true when the search is complete (an entry's last stable offset reached the
    /// upper bound, so no later segment can hold an overlapping transaction).
    /// </summary>
    public bool Collect(long fetchOffset, long upperBound, List<AbortedTransaction> into)
    {
        foreach (var entry in Entries)
        {
            if (entry.LastOffset >= fetchOffset && entry.FirstOffset < upperBound)
                into.Add(entry);
            if (entry.LastStableOffset >= upperBound)
                return true;
        }
        return false;
    }

    public void Flush()
    {
        if (!_dirty)
            return;
        _file?.Flush();
        _dirty = false;
    }

    /// <summary>Closes the file; the segment deletes it by name.</summary>
    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }
}
