using System.Buffers.Binary;
using Runnel.Protocol.Records;
using Runnel.Storage.IO;
using Runnel.Storage.Segments;

namespace Runnel.Storage.Producers;

/// <summary>
/// Kafka's producer state snapshot, <c>&lt;offset as 20 digits&gt;.snapshot</c> in the partition directory: the producer
/// state of the log below that offset. Format (Kafka's ProducerSnapshot v1, big-endian): version int16 (1), CRC32C
/// uint32 of every byte after it, the entry count int32, then per producer: producer id int64, epoch int16, last
/// sequence int32, last offset int64, offset delta int32, timestamp int64, coordinator epoch int32, current
/// transaction first offset int64 (46 bytes).
/// </summary>
internal static class ProducerSnapshotFile
{
    public const string Suffix = ".snapshot";
    public const short Version = 1;
    private const int CrcOffset = 2, EntriesOffset = 6, HeaderSize = 10, EntrySize = 46;

    public static string PathFor(string dir, long offset) => Path.Combine(dir, SegmentFiles.Name(offset) + Suffix);

    /// <summary>The offsets of the snapshots in <paramref name="dir"/>, ascending.</summary>
    public static List<long> List(IFileSystem fs, string dir)
        => [.. fs.ListFiles(dir).Select(p => SegmentFiles.TryParseBaseOffset(p, Suffix, "", out var o) ? o : -1).Where(o => o >= 0).Order()];

    public static byte[] Serialize(IReadOnlyCollection<ProducerSnapshotEntry> entries)
    {
        var bytes = new byte[HeaderSize + (entries.Count * EntrySize)];
        BinaryPrimitives.WriteInt16BigEndian(bytes, Version);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(EntriesOffset), entries.Count);
        var span = bytes.AsSpan(HeaderSize);
        foreach (var e in entries)
        {
            BinaryPrimitives.WriteInt64BigEndian(span, e.ProducerId);
            BinaryPrimitives.WriteInt16BigEndian(span[8..], e.Epoch);
            BinaryPrimitives.WriteInt32BigEndian(span[10..], e.LastSequence);
            BinaryPrimitives.WriteInt64BigEndian(span[14..], e.LastOffset);
            BinaryPrimitives.WriteInt32BigEndian(span[22..], e.OffsetDelta);
            BinaryPrimitives.WriteInt64BigEndian(span[26..], e.Timestamp);
            BinaryPrimitives.WriteInt32BigEndian(span[34..], e.CoordinatorEpoch);
            BinaryPrimitives.WriteInt64BigEndian(span[38..], e.CurrentTxnFirstOffset);
            span = span[EntrySize..];
        }
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(CrcOffset), Crc32C.Compute(bytes.AsSpan(EntriesOffset)));
        return bytes;
    }

    /// <summary>The entries of a snapshot's bytes, or null with <paramref name="problem"/> saying why they are not a valid snapshot.</summary>
    public static List<ProducerSnapshotEntry>? Deserialize(ReadOnlySpan<byte> bytes, out string? problem)
    {
        problem = null;
        if (bytes.Length < HeaderSize)
            return Fail($"{bytes.Length} bytes are shorter than a snapshot header", out problem);
        var version = BinaryPrimitives.ReadInt16BigEndian(bytes);
        if (version != Version)
            return Fail($"unknown snapshot version {version}", out problem);
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes[EntriesOffset..]);
        if (count < 0 || (long)count * EntrySize != bytes.Length - HeaderSize)
            return Fail($"{count} entries do not fill the {bytes.Length} bytes", out problem);
        var stored = BinaryPrimitives.ReadUInt32BigEndian(bytes[CrcOffset..]);
        var computed = Crc32C.Compute(bytes[EntriesOffset..]);
        if (stored != computed)
            return Fail($"CRC mismatch (stored {stored}, computed {computed})", out problem);
        var entries = new List<ProducerSnapshotEntry>(count);
        for (var span = bytes[HeaderSize..]; !span.IsEmpty; span = span[EntrySize..])
        {
            entries.Add(new ProducerSnapshotEntry(BinaryPrimitives.ReadInt64BigEndian(span), BinaryPrimitives.ReadInt16BigEndian(span[8..]),
                BinaryPrimitives.ReadInt32BigEndian(span[10..]), BinaryPrimitives.ReadInt64BigEndian(span[14..]), BinaryPrimitives.ReadInt32BigEndian(span[22..]),
                BinaryPrimitives.ReadInt64BigEndian(span[26..]), BinaryPrimitives.ReadInt32BigEndian(span[34..]), BinaryPrimitives.ReadInt64BigEndian(span[38..])));
        }
        return entries;
    }

    /// <summary>Writes the snapshot at <paramref name="path"/> (replacing any file there), fsynced when <paramref name="sync"/> is set.</summary>
    public static void Write(IFileSystem fs, string path, IReadOnlyCollection<ProducerSnapshotEntry> entries, bool sync)
    {
        var bytes = Serialize(entries);
        using var file = fs.Open(path, create: true);
        file.SetLength(0);
        file.Write(0, bytes);
        if (sync)
            file.Flush();
    }

    /// <summary>The snapshot at <paramref name="path"/>, or null with <paramref name="problem"/> when it is damaged.</summary>
    public static List<ProducerSnapshotEntry>? Read(IFileSystem fs, string path, out string? problem)
    {
        using var file = fs.Open(path, create: false);
        if (file.Length > int.MaxValue)
            return Fail($"{file.Length} bytes are too long for a snapshot", out problem);
        var bytes = new byte[file.Length];
        var read = file.Read(0, bytes);
        return Deserialize(bytes.AsSpan(0, read), out problem);
    }

    private static List<ProducerSnapshotEntry>? Fail(string reason, out string? problem)
    {
        problem = reason;
        return null;
    }
}
