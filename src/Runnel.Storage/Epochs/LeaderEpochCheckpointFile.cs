using System.Globalization;
using System.Text;
using Runnel.Storage.IO;

namespace Runnel.Storage.Epochs;

/// <summary>
/// Kafka's <c>leader-epoch-checkpoint</c> in a partition directory: a version line "0", a count line, then
/// "epoch startOffset" per line. Replaced durably (temp file, fsync, rename, directory fsync). A damaged file reads as
/// null, and the log then rebuilds the cache from its batches.
/// </summary>
internal sealed class LeaderEpochCheckpointFile(IFileSystem fs, string path)
{
    public const string FileName = "leader-epoch-checkpoint";

    public string Path { get; } = path;

    public void Write(IReadOnlyList<EpochEntry> entries)
    {
        var text = new StringBuilder();
        text.Append("0\n").Append(entries.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var entry in entries)
            text.Append(CultureInfo.InvariantCulture, $"{entry.Epoch} {entry.StartOffset}\n");
        var temp = Path + ".tmp";
        using (var file = fs.Open(temp, create: true))
        {
            file.SetLength(0);
            file.Write(0, Encoding.UTF8.GetBytes(text.ToString()));
            file.Flush();
        }
        fs.Rename(temp, Path);
        fs.SyncDirectory(System.IO.Path.GetDirectoryName(Path)!);
    }

    public bool Exists => fs.FileExists(Path);

    public void Delete()
    {
        if (fs.FileExists(Path))
            fs.DeleteFile(Path);
    }

    /// <summary>The stored entries; null when there is no file or it cannot be read as one.</summary>
    public List<EpochEntry>? Read()
    {
        if (!fs.FileExists(Path))
            return null;
        string text;
        using (var file = fs.Open(Path, create: false))
        {
            var bytes = new byte[file.Length];
            text = Encoding.UTF8.GetString(bytes, 0, file.Read(0, bytes));
        }
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2 || lines[0] != "0" || !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count != lines.Length - 2)
            return null;
        var entries = new List<EpochEntry>(count);
        foreach (var line in lines.Skip(2))
        {
            var parts = line.Split(' ');
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                || (entries.Count > 0 && (epoch <= entries[^1].Epoch || offset <= entries[^1].StartOffset)))
                return null;
            entries.Add(new EpochEntry(epoch, offset));
        }
        return entries;
    }
}
