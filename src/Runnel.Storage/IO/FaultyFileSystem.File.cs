using Microsoft.Win32.SafeHandles;

namespace Runnel.Storage.IO;

public sealed partial class FaultyFileSystem
{
    /// <summary>A file's bytes as the process sees them, plus the copy that the last fsync made durable.</summary>
    private sealed class Inode
    {
        private byte[] _data = [];
        private byte[] _durable = [];

        public int Length { get; private set; }

        public byte[] Snapshot() => _data.AsSpan(0, Length).ToArray();

        public void Replace(byte[] bytes)
        {
            _data = (byte[])bytes.Clone();
            Length = bytes.Length;
        }

        public void MakeDurable() => _durable = Snapshot();

        public void RevertToDurable(Random? tornWriteback)
        {
            var kept = _durable.Length;
            // Part of the page cache may have reached the disk before the crash: keep a prefix of the unsynced tail.
            if (tornWriteback is not null && Length > kept && tornWriteback.Next(2) == 0)
                kept = tornWriteback.Next(kept, Length + 1);
            var restored = new byte[kept];
            _data.AsSpan(0, Math.Min(kept, Length)).CopyTo(restored);
            _durable.AsSpan(0, Math.Min(_durable.Length, kept)).CopyTo(restored);
            _data = restored;
            Length = kept;
        }

        public int Read(long position, Span<byte> buffer)
        {
            if (position >= Length)
                return 0;
            var n = (int)Math.Min(buffer.Length, Length - position);
            _data.AsSpan((int)position, n).CopyTo(buffer);
            return n;
        }

        public void Write(long position, ReadOnlySpan<byte> data)
        {
            var end = checked((int)(position + data.Length));
            if (end > _data.Length)
                Array.Resize(ref _data, Math.Max(end, _data.Length * 2));
            if (position > Length)
                _data.AsSpan(Length, (int)position - Length).Clear();
            data.CopyTo(_data.AsSpan((int)position));
            Length = Math.Max(Length, end);
        }

        public void SetLength(long length)
        {
            var n = checked((int)length);
            if (n > _data.Length)
                Array.Resize(ref _data, n);
            if (n > Length)
                _data.AsSpan(Length, n - Length).Clear();
            Length = n;
        }
    }

    private sealed class FaultyFile(FaultyFileSystem fs, string path, Inode inode, int generation) : IStorageFile
    {
        private bool _disposed;

        public string Path => path;

        public SafeFileHandle? Handle => null;

        public long Length
        {
            get
            {
                lock (fs._gate)
                {
                    Check();
                    return inode.Length;
                }
            }
        }

        public int Read(long position, Span<byte> buffer)
        {
            lock (fs._gate)
            {
                Check();
                return inode.Read(position, buffer);
            }
        }

        public void Write(long position, ReadOnlySpan<byte> data)
        {
            lock (fs._gate)
            {
                Check();
                fs.Mutating($"write {path}");
                if (fs.FailWrite?.Invoke(path) == true)
                    throw new IOException($"Injected write failure on {path}.");
                var growth = Math.Max(0, position + data.Length - inode.Length);
                var free = fs.CapacityBytes - fs._files.Values.Distinct().Sum(f => (long)f.Length);
                if (free is { } room && growth > room)
                {
                    // ENOSPC after a partial write, as write(2) may do: the caller must not trust the tail.
                    var fits = (int)Math.Max(0, room + inode.Length - position);
                    inode.Write(position, data[..Math.Min(fits, data.Length)]);
                    throw new IOException($"No space left on device ({path}).", StorageException.DiskFullErrno);
                }
                inode.Write(position, data);
            }
        }

        public void SetLength(long length)
        {
            lock (fs._gate)
            {
                Check();
                inode.SetLength(length);
            }
        }

        public void Flush()
        {
            lock (fs._gate)
            {
                Check();
                fs.Mutating($"fsync {path}");
                if (fs.FailFlush?.Invoke(path) == true)
                    throw new IOException($"Injected fsync failure on {path}.");
                fs.FlushCount++;
                inode.MakeDurable();
            }
        }

        public void Dispose() => _disposed = true;

        private void Check()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (generation != fs._generation)
                throw new IOException($"{path} was open across a simulated crash.");
        }
    }
}
