using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Runnel.Storage.IO;

/// <summary>The real file system: positional I/O through <see cref="RandomAccess"/>, fsync on files and directories.</summary>
public sealed partial class PhysicalFileSystem : IFileSystem
{
    public static PhysicalFileSystem Instance { get; } = new();

    public IStorageFile Open(string path, bool create)
    {
        var handle = File.OpenHandle(path, create ? FileMode.OpenOrCreate : FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        return new PhysicalFile(path, handle);
    }

    public bool FileExists(string path) => File.Exists(path);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public IReadOnlyList<string> ListFiles(string directory) => Directory.GetFiles(directory);

    public IReadOnlyList<string> ListDirectories(string directory) => Directory.GetDirectories(directory);

    public void DeleteFile(string path) => File.Delete(path);

    public void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
            Directory.Delete(path, recursive: true);
    }

    public void Rename(string source, string destination) => File.Move(source, destination, overwrite: true);

    public void SyncDirectory(string path)
    {
        // .NET cannot open a directory as a file; fsync needs the raw descriptor. Windows has no equivalent (and
        // needs none: NTFS journals names), so this is POSIX only.
        if (OperatingSystem.IsWindows())
            return;
        var fd = NativeMethods.Open(path, NativeMethods.ReadOnly);
        if (fd < 0)
            throw new IOException($"open({path}) for fsync failed, errno {Marshal.GetLastPInvokeError()}.");
        try
        {
            if (NativeMethods.Fsync(fd) != 0)
                throw new IOException($"fsync({path}) failed, errno {Marshal.GetLastPInvokeError()}.");
        }
        finally
        {
            _ = NativeMethods.Close(fd);
        }
    }

    private sealed class PhysicalFile(string path, SafeFileHandle handle) : IStorageFile
    {
        public string Path { get; } = path;

        public SafeFileHandle? Handle => handle;

        public long Length => RandomAccess.GetLength(handle);

        public int Read(long position, Span<byte> buffer)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var n = RandomAccess.Read(handle, buffer[total..], position + total);
                if (n == 0)
                    break;
                total += n;
            }
            return total;
        }

        public void Write(long position, ReadOnlySpan<byte> data) => RandomAccess.Write(handle, data, position);

        public void SetLength(long length) => RandomAccess.SetLength(handle, length);

        public void Flush()
        {
            // fdatasync: the size is data for it, and skipping the mtime update saves a journal write per commit.
            if (OperatingSystem.IsLinux())
            {
                if (NativeMethods.Fdatasync(handle) != 0)
                    throw new IOException($"fdatasync({Path}) failed, errno {Marshal.GetLastPInvokeError()}.");
                return;
            }
            RandomAccess.FlushToDisk(handle);
        }

        public void Dispose() => handle.Dispose();
    }

    private static partial class NativeMethods
    {
        public const int ReadOnly = 0;

        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
        public static partial int Fdatasync(SafeFileHandle fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);
    }
}
