namespace Runnel.Storage.IO;

/// <summary>
/// Every file operation the storage layer makes goes through this seam, so tests can swap in
/// <see cref="FaultyFileSystem"/> (failing writes, a full disk, a crash that forgets what was not fsynced).
/// POSIX rules apply to both implementations: a created, renamed or deleted name is durable only after
/// <see cref="SyncDirectory"/> on its parent; file contents only after <see cref="IStorageFile.Flush"/>.
/// </summary>
public interface IFileSystem
{
    /// <summary>Opens a file for positional reads and writes; creates it when <paramref name="create"/> is set.</summary>
    IStorageFile Open(string path, bool create);

    bool FileExists(string path);

    bool DirectoryExists(string path);

    /// <summary>Creates the directory and its missing parents.</summary>
    void CreateDirectory(string path);

    /// <summary>Full paths of the regular files directly inside <paramref name="directory"/>.</summary>
    IReadOnlyList<string> ListFiles(string directory);

    /// <summary>Full paths of the directories directly inside <paramref name="directory"/>.</summary>
    IReadOnlyList<string> ListDirectories(string directory);

    /// <summary>Deletes a file if it exists. Open handles stay usable (POSIX unlink semantics).</summary>
    void DeleteFile(string path);

    /// <summary>Deletes a directory and everything in it, if it exists.</summary>
    void DeleteDirectory(string path);

    /// <summary>Atomically renames, replacing any file at <paramref name="destination"/>.</summary>
    void Rename(string source, string destination);

    /// <summary>Makes the directory's entries (creations, renames, deletions) durable.</summary>
    void SyncDirectory(string path);
}

/// <summary>An open file addressed by position; no shared cursor, so concurrent readers need no lock.</summary>
public interface IStorageFile : IDisposable
{
    string Path { get; }

    long Length { get; }

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="position"/>; fewer only at end of file.</summary>
    int Read(long position, Span<byte> buffer);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="position"/>.</summary>
    /// <exception cref="IOException">The write failed; part of it may have reached the file.</exception>
    void Write(long position, ReadOnlySpan<byte> data);

    void SetLength(long length);

    /// <summary>fsync: the contents (and the size) survive a power loss once this returns.</summary>
    void Flush();

    /// <summary>The OS handle, for a zero-copy send; null when the file does not live in the OS (tests).</summary>
    Microsoft.Win32.SafeHandles.SafeFileHandle? Handle { get; }
}
