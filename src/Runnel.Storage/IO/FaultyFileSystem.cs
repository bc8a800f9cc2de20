using Microsoft.Win32.SafeHandles;

namespace Runnel.Storage.IO;

/// <summary>
/// An in-memory file system for tests that can fail writes and fsyncs, run out of space, and crash. It keeps two
/// states: what the process sees, and what would survive a power loss (file bytes up to the last
/// <see cref="IStorageFile.Flush"/>, names as of the last <see cref="SyncDirectory"/> of their parent).
/// <see cref="Crash"/> drops the first and reopens from the second, like LazyFS does for a real disk.
/// </summary>
public sealed partial class FaultyFileSystem : IFileSystem
{
    // One lock for everything: tests are about correctness, not throughput.
    private readonly object _gate = new();
    private Dictionary<string, Inode> _files = new(StringComparer.Ordinal);
    private Dictionary<string, Inode> _durableFiles = new(StringComparer.Ordinal);
    private HashSet<string> _dirs = new(StringComparer.Ordinal);
    private HashSet<string> _durableDirs = new(StringComparer.Ordinal);
    private int _generation;

    /// <summary>Total bytes the files may hold; a write past it stores what fits, then fails like ENOSPC.</summary>
    public long? CapacityBytes { get; set; }

    /// <summary>Decides, per file path, whether the next write fails with EIO (after storing nothing).</summary>
    public Func<string, bool>? FailWrite { get; set; }

    /// <summary>Decides, per file path, whether the next fsync fails with EIO (storing nothing durably).</summary>
    public Func<string, bool>? FailFlush { get; set; }

    public int FlushCount { get; private set; }

    /// <summary>
    /// Counts down on every write, fsync, rename, delete and directory fsync; when it reaches zero the process "dies"
    /// at that point: the operation and every later one fail until <see cref="Crash"/>, so nothing more reaches the disk.
    /// </summary>
    public int? CrashAfterOperations { get; set; }

    private bool _dead;

    /// <summary>Called under the lock by every mutating operation: enforces <see cref="CrashAfterOperations"/>.</summary>
    private void Mutating(string what)
    {
        if (!_dead && CrashAfterOperations is { } left)
        {
            CrashAfterOperations = left - 1;
            _dead = left <= 1;
        }
        if (_dead)
            throw new IOException($"Simulated crash before {what}.");
    }

    public long UsedBytes
    {
        get
        {
            lock (_gate)
                return _files.Values.Distinct().Sum(f => (long)f.Length);
        }
    }

    /// <summary>
    /// Simulates a power loss: every open file becomes unusable and only durable state remains. With
    /// <paramref name="tornWriteback"/>, each file also keeps a random prefix of its unsynced tail, as when the
    /// kernel had written back part of the page cache.
    /// </summary>
    public void Crash(Random? tornWriteback = null)
    {
        lock (_gate)
        {
            _generation++;
            _dead = false;
            CrashAfterOperations = null;
            _files = new Dictionary<string, Inode>(_durableFiles, StringComparer.Ordinal);
            _dirs = new HashSet<string>(_durableDirs, StringComparer.Ordinal);
            foreach (var inode in _files.Values.Distinct())
                inode.RevertToDurable(tornWriteback);
        }
    }

    /// <summary>The bytes a file holds now (for tests that inspect or damage files).</summary>
    public byte[] ReadAllBytes(string path)
    {
        lock (_gate)
            return _files[Normalize(path)].Snapshot();
    }

    /// <summary>Replaces a file's bytes durably, as a test that damages a stopped broker's disk would.</summary>
    public void WriteAllBytesDurably(string path, byte[] bytes)
    {
        lock (_gate)
        {
            var inode = _files[Normalize(path)];
            inode.Replace(bytes);
            inode.MakeDurable();
        }
    }

    public IStorageFile Open(string path, bool create)
    {
        path = Normalize(path);
        lock (_gate)
        {
            if (!_files.TryGetValue(path, out var inode))
            {
                if (!create)
                    throw new FileNotFoundException($"No file {path}.", path);
                RequireDirectory(ParentOf(path));
                inode = new Inode();
                _files[path] = inode;
            }
            return new FaultyFile(this, path, inode, _generation);
        }
    }

    public bool FileExists(string path)
    {
        lock (_gate)
            return _files.ContainsKey(Normalize(path));
    }

    public bool DirectoryExists(string path)
    {
        lock (_gate)
            return _dirs.Contains(Normalize(path));
    }

    public void CreateDirectory(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            var created = new List<string>();
            for (var p = path; p.Length > 0 && !_dirs.Contains(p); p = ParentOf(p))
                created.Add(p);
            _dirs.UnionWith(created);
            // The topmost new directory has no known parent: it is a mount point the test starts from, durable
            // at once. Everything below it needs a SyncDirectory of its parent, as on a real disk.
            if (created.Count > 0 && !_dirs.Contains(ParentOf(created[^1])))
                _durableDirs.Add(created[^1]);
        }
    }

    public IReadOnlyList<string> ListFiles(string directory)
    {
        directory = Normalize(directory);
        lock (_gate)
        {
            RequireDirectory(directory);
            return [.. _files.Keys.Where(p => ParentOf(p) == directory).Order(StringComparer.Ordinal)];
        }
    }

    public IReadOnlyList<string> ListDirectories(string directory)
    {
        directory = Normalize(directory);
        lock (_gate)
        {
            RequireDirectory(directory);
            return [.. _dirs.Where(p => ParentOf(p) == directory).Order(StringComparer.Ordinal)];
        }
    }

    public void DeleteFile(string path)
    {
        lock (_gate)
        {
            Mutating($"delete {path}");
            _files.Remove(Normalize(path));
        }
    }

    public void DeleteDirectory(string path)
    {
        path = Normalize(path);
        var prefix = path + "/";
        lock (_gate)
        {
            foreach (var file in _files.Keys.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).ToList())
                _files.Remove(file);
            _dirs.RemoveWhere(d => d == path || d.StartsWith(prefix, StringComparison.Ordinal));
        }
    }

    public void Rename(string source, string destination)
    {
        source = Normalize(source);
        destination = Normalize(destination);
        lock (_gate)
        {
            Mutating($"rename {source}");
            if (!_files.Remove(source, out var inode))
                throw new FileNotFoundException($"No file {source}.", source);
            RequireDirectory(ParentOf(destination));
            _files[destination] = inode;
        }
    }

    public void SyncDirectory(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            Mutating($"fsync {path}");
            RequireDirectory(path);
            FlushCount++;
            foreach (var gone in _durableFiles.Keys.Where(p => ParentOf(p) == path && !_files.ContainsKey(p)).ToList())
                _durableFiles.Remove(gone);
            foreach (var (p, inode) in _files.Where(kv => ParentOf(kv.Key) == path))
                _durableFiles[p] = inode;
            _durableDirs.RemoveWhere(d => ParentOf(d) == path && !_dirs.Contains(d));
            foreach (var d in _dirs.Where(d => ParentOf(d) == path))
                _durableDirs.Add(d);
        }
    }

    private void RequireDirectory(string path)
    {
        if (!_dirs.Contains(path))
            throw new DirectoryNotFoundException($"No directory {path}.");
    }

    private static string Normalize(string path) => path.Replace('\\', '/').TrimEnd('/');

    private static string ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "" : path[..slash];
    }
}
