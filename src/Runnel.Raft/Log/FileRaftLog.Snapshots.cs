using System.Globalization;

namespace Runnel.Raft.Log;

/// <summary>Snapshot files, and the log start that follows the oldest one kept.</summary>
public sealed partial class FileRaftLog
{
    private const string Suffix = ".checkpoint";

    private static string FileName(OffsetAndEpoch id)
        => $"{id.Offset.ToString("D20", CultureInfo.InvariantCulture)}-{id.Epoch.ToString("D10", CultureInfo.InvariantCulture)}{Suffix}";

    private string PathOf(OffsetAndEpoch id) => Path.Combine(_snapshotDir, FileName(id));

    private static OffsetAndEpoch? Parse(string path)
    {
        var name = Path.GetFileName(path);
        if (!name.EndsWith(Suffix, StringComparison.Ordinal))
            return null;
        var parts = name[..^Suffix.Length].Split('-');
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            ? new OffsetAndEpoch(offset, epoch) : null;
    }

    /// <summary>
    /// Finds the snapshots (a leftover temp file is an unfinished write: deleted) and makes the log agree with them:
    /// a snapshot past the log's end (one installed from the leader just before a crash) restarts the log at its end.
    /// </summary>
    private void LoadSnapshots()
    {
        _fs.CreateDirectory(_snapshotDir);
        foreach (var file in _fs.ListFiles(_snapshotDir))
        {
            if (Parse(file) is { } id)
                _snapshots.Add(id);
            else
                _fs.DeleteFile(file);
        }
        _snapshots.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        if (LatestSnapshot is { } latest && latest.Offset > _log.LogEndOffset)
            _log.TruncateFullyAndStartAt(latest.Offset);
        if (_snapshots.Count > 0 && _log.LogStartOffset < _snapshots[0].Offset)
            _log.AdvanceLogStartOffset(_snapshots[0].Offset);
    }

    public void WriteSnapshot(OffsetAndEpoch id, ReadOnlySpan<byte> data)
    {
        if (id.Offset > EndOffset)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"The log ends at {EndOffset}.");
        Store(id, data);
        _snapshots.RemoveAll(s => s.Offset >= id.Offset);
        _snapshots.Add(id);
        while (_snapshots.Count > MemoryRaftLog.RetainedSnapshots)
        {
            _fs.DeleteFile(PathOf(_snapshots[0]));
            _snapshots.RemoveAt(0);
        }
        if (_log.LogStartOffset < _snapshots[0].Offset)
            _log.AdvanceLogStartOffset(_snapshots[0].Offset);
        _epochs.TrimBefore(StartOffset);
    }

    public void InstallSnapshot(OffsetAndEpoch id, ReadOnlySpan<byte> data)
    {
        // The snapshot is durable before the log it replaces goes: a crash in between reopens to the same state.
        Store(id, data);
        foreach (var old in _snapshots.Where(s => s != id))
            _fs.DeleteFile(PathOf(old));
        _snapshots.Clear();
        _snapshots.Add(id);
        _log.TruncateFullyAndStartAt(id.Offset);
        _log.Flush();
        _epochs.Clear();
    }

    public long SnapshotSize(OffsetAndEpoch id)
    {
        if (!_snapshots.Contains(id))
            return -1;
        using var file = _fs.Open(PathOf(id), create: false);
        return file.Length;
    }

    public int ReadSnapshot(OffsetAndEpoch id, long position, Span<byte> destination)
    {
        if (!_snapshots.Contains(id))
            return 0;
        using var file = _fs.Open(PathOf(id), create: false);
        return position < 0 || position > file.Length ? 0 : file.Read(position, destination);
    }

    private void Store(OffsetAndEpoch id, ReadOnlySpan<byte> data) => DurableFile.Replace(_fs, PathOf(id), data);
}
