using System.Globalization;
using System.Text;
using Runnel.Storage.IO;

namespace Runnel.Storage.Checkpoints;

/// <summary>
/// Kafka's offset checkpoint files (<c>recovery-point-offset-checkpoint</c>, <c>log-start-offset-checkpoint</c>,
/// <c>cleaner-offset-checkpoint</c>): a version line "0", a count line, then "topic partition offset" per line.
/// Written to a temp file, fsynced, renamed over the old one, and the directory fsynced, so a crash leaves either
/// the old or the new file. A damaged file reads as empty (with a warning): callers then fall back to the safe
/// default, which for the recovery point means validating everything. A write that would leave the file as this
/// instance last wrote it is skipped (the maintenance pass checkpoints every second, mostly with nothing changed).
/// </summary>
internal sealed class OffsetCheckpointFile(IFileSystem fs, string path, StorageLog log)
{
    private byte[]? _written;

    public void Write(IEnumerable<KeyValuePair<TopicPartition, long>> offsets)
    {
        var entries = offsets.ToList();
        var text = new StringBuilder();
        text.Append("0\n").Append(entries.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (tp, offset) in entries)
            text.Append(CultureInfo.InvariantCulture, $"{tp.Topic} {tp.Partition} {offset}\n");
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        if (_written is { } last && last.AsSpan().SequenceEqual(bytes))
            return;
        var temp = path + ".tmp";
        using (var file = fs.Open(temp, create: true))
        {
            file.SetLength(0);
            file.Write(0, bytes);
            file.Flush();
        }
        fs.Rename(temp, path);
        fs.SyncDirectory(Path.GetDirectoryName(path)!);
        _written = bytes;
    }

    public Dictionary<TopicPartition, long> Read()
    {
        var result = new Dictionary<TopicPartition, long>();
        if (!fs.FileExists(path))
            return result;
        string text;
        using (var file = fs.Open(path, create: false))
        {
            var bytes = new byte[file.Length];
            text = Encoding.UTF8.GetString(bytes, 0, file.Read(0, bytes));
        }
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2 || lines[0] != "0" || !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count != lines.Length - 2)
            return Damaged(result);
        foreach (var line in lines.Skip(2))
        {
            var parts = line.Split(' ');
            if (parts.Length != 3 || !TopicPartition.IsValidTopic(parts[0])
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                || !long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset))
                return Damaged(result);
            result[new TopicPartition(parts[0], partition)] = offset;
        }
        return result;
    }

    private Dictionary<TopicPartition, long> Damaged(Dictionary<TopicPartition, long> result)
    {
        log(StorageLogLevel.Warning, $"{path} is damaged; ignoring it.");
        result.Clear();
        return result;
    }
}
