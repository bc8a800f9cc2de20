using System.Buffers.Binary;
using System.Text;
using Runnel.ClusterTests.Workload;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage;

namespace Runnel.ClusterTests.Checking;

/// <summary>
/// A replica's log read offline: the topic's partition directories are copied out of a stopped node's data
/// directory and opened with Runnel.Storage (recovery runs on the copy, as it would on the node's next start), so the
/// node's own files are never changed. Each record's value is decoded as the workload wrote it (UTF-8).
/// </summary>
public static class ReplicaLogReader
{
    private const byte ControlAttribute = 0x20;

    public static ReplicaLog Read(string replica, string dataDirectory, string topic, int partitions, string scratchDirectory)
    {
        var copy = Path.Combine(scratchDirectory, "replica-" + replica);
        Directory.CreateDirectory(copy);
        for (var p = 0; p < partitions; p++)
        {
            var source = Path.Combine(dataDirectory, new TopicPartition(topic, p).DirectoryName);
            if (Directory.Exists(source))
                CopyDirectory(source, Path.Combine(copy, Path.GetFileName(source)));
        }
        using var logs = LogManager.Open(new LogManagerOptions { LogDirs = [copy], Durability = DurabilityMode.PageCache });
        var result = new Dictionary<int, IReadOnlyList<LogEntry>>();
        for (var p = 0; p < partitions; p++)
            result[p] = logs.GetLog(new TopicPartition(topic, p)) is { } log ? ReadAll(log) : [];
        return new ReplicaLog(replica, result);
    }

    private static List<LogEntry> ReadAll(PartitionLog log)
    {
        var entries = new List<LogEntry>();
        using var scratch = new KafkaWriter();
        var offset = log.LogStartOffset;
        while (offset < log.LogEndOffset)
        {
            using var read = log.Read(offset, 1 << 20);
            if (read.IsEmpty)
                break;
            var bytes = new byte[read.Length];
            read.CopyTo(bytes);
            ReadBatches(bytes, scratch, entries);
            offset = read.NextOffset;
        }
        return entries;
    }

    private static void ReadBatches(ReadOnlySpan<byte> bytes, KafkaWriter scratch, List<LogEntry> entries)
    {
        while (RecordBatch.TryGetSize(bytes, out var size) && size <= bytes.Length)
        {
            var batch = bytes[..size];
            var attributes = BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..]);
            if ((attributes & ControlAttribute) == 0)
            {
                var records = RecordBatch.ReadRecords(batch, scratch, 64 << 20);
                while (records.MoveNext())
                {
                    var record = records.Current;
                    entries.Add(new LogEntry(record.Offset, record.IsValueNull ? "" : Encoding.UTF8.GetString(record.Value)));
                }
                if (records.ErrorMessage is { } error)
                    throw new InvalidDataException($"unreadable batch at offset {BinaryPrimitives.ReadInt64BigEndian(batch)}: {error}");
            }
            bytes = bytes[size..];
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
    }
}
