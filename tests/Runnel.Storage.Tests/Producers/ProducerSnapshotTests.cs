using System.Buffers.Binary;
using Runnel.Protocol;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage.Producers;

namespace Runnel.Storage.Tests.Producers;

/// <summary>
/// Kafka's producer state snapshots (<c>.snapshot</c>): the file layout, taken at roll and clean shutdown, the newest
/// loaded at start-up with only the tail after it replayed, a damaged one ignored, stale ones deleted at truncation
/// and retention; deduplication, epochs, coordinator epochs and open transactions survive restarts.
/// </summary>
public sealed class ProducerSnapshotTests
{
    private const long P1 = 11, P2 = 22;

    private static byte[] Batch(long producerId, short epoch, int sequence, int records, bool transactional = false, long timestamp = 1_000)
    {
        using var writer = new KafkaWriter();
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, new RecordBatchSettings { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = sequence, IsTransactional = transactional });
        for (var i = 0; i < records; i++)
            builder.Append(timestamp, new byte[] { (byte)i }, new byte[10]);
        builder.Finish();
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Marker(long producerId, short epoch, int coordinatorEpoch, bool commit)
    {
        using var writer = new KafkaWriter();
        ControlRecord.WriteEndTransactionMarker(writer, commit, coordinatorEpoch, producerId, epoch, 1_000);
        return writer.WrittenSpan.ToArray();
    }

    private static string SnapshotPath(long offset) => $"{LogHarness.PartitionDir}/{offset:D20}.snapshot";

    private static bool Rebuilt(LogHarness h) => h.Messages.Any(m => m.Contains("producer state rebuilt", StringComparison.Ordinal));

    [Fact]
    public void A_snapshot_round_trips_in_kafkas_layout()
    {
        ProducerSnapshotEntry[] entries =
        [
            new(P1, 3, 41, 1_234, 4, 99_000, 7, -1),
            new(P2, 0, -1, -1, 0, 5, -1, 1_230),
        ];
        var bytes = ProducerSnapshotFile.Serialize(entries);

        Assert.Equal(10 + (2 * 46), bytes.Length);
        Assert.Equal(1, BinaryPrimitives.ReadInt16BigEndian(bytes));
        Assert.Equal(Crc32C.Compute(bytes.AsSpan(6)), BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(2)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(6)));
        Assert.Equal(P1, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(10)));
        Assert.Equal(1_230, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(10 + 46 + 38)));
        Assert.Equal(entries, ProducerSnapshotFile.Deserialize(bytes, out var problem));
        Assert.Null(problem);

        bytes[^1] ^= 1;
        Assert.Null(ProducerSnapshotFile.Deserialize(bytes, out problem));
        Assert.Contains("CRC", problem, StringComparison.Ordinal);
        Assert.Null(ProducerSnapshotFile.Deserialize(bytes.AsSpan(0, 20), out _));
    }

    [Fact]
    public void After_a_clean_restart_a_retry_beyond_200000_offsets_is_a_duplicate_without_a_log_scan()
    {
        using var h = new LogHarness(LogHarness.SmallSegments with { SegmentBytes = 1 << 30 });
        var first = h.Log.Append(Batch(P1, 2, 0, 3)); // 0-2
        for (var i = 0; i < 250; i++)
            h.Append(records: 1_000, valueBytes: 1);
        h.Log.Append(Batch(P2, 0, 0, 2, transactional: true));
        var openAt = h.Log.LogEndOffset - 2;
        h.Log.UpdateHighWatermark(h.Log.LogEndOffset);
        Assert.True(h.Log.LogEndOffset > 250_000);

        h.Restart();
        Assert.True(h.Fs.FileExists(SnapshotPath(h.Log.LogEndOffset)));
        Assert.False(Rebuilt(h)); // the snapshot of the clean shutdown is at the log end: nothing replayed

        var retry = h.Log.CheckProducerBatch(new ProducerBatch(P1, 2, 0, 2));
        Assert.True(retry.IsDuplicate);
        Assert.Equal(first.FirstOffset, retry.DuplicateOfOffset);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, h.Log.CheckProducerBatch(new ProducerBatch(P1, 2, 5, 6)).Error);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, h.Log.CheckProducerBatch(new ProducerBatch(P1, 1, 3, 3)).Error);
        Assert.Equal(openAt, h.Log.OpenTransactionStart(P2));
        Assert.Equal(openAt, h.Log.LastStableOffset);
    }

    [Fact]
    public void After_a_crash_the_newest_roll_snapshot_is_loaded_and_only_the_tail_replayed()
    {
        using var h = new LogHarness();
        h.Log.Append(Batch(P1, 0, 0, 2, transactional: true)); // 0-1, open
        h.Log.Append(Batch(P2, 4, 0, 1, transactional: true)); // 2
        h.Log.Append(Marker(P2, 4, coordinatorEpoch: 9, commit: true)); // 3
        for (var i = 0; i < 20; i++)
            h.Append(records: 10, valueBytes: 50);
        h.Log.Append(Batch(P2, 4, 1, 1)); // idempotent, in the tail
        h.Log.UpdateHighWatermark(h.Log.LogEndOffset);
        h.Log.Flush();
        var end = h.Log.LogEndOffset;
        Assert.True(h.Log.SegmentCount > 2);
        var newest = h.Log.ProducerSnapshotOffsets[^1];
        Assert.True(newest > 3);

        h.CrashAndRestart();
        Assert.Equal(end, h.Log.LogEndOffset);
        Assert.Equal(0, h.Log.OpenTransactionStart(P1));
        Assert.Equal(0, h.Log.LastStableOffset);
        Assert.Equal(ErrorCode.TransactionCoordinatorFenced, h.Log.CheckMarker(P2, 4, coordinatorEpoch: 8).Error);
        Assert.True(h.Log.CheckProducerBatch(new ProducerBatch(P2, 4, 1, 1)).IsDuplicate);
        Assert.Contains(end, h.Log.ProducerSnapshotOffsets); // the load that replayed took one at the log end
    }

    [Fact]
    public void A_damaged_snapshot_is_ignored_and_the_state_rebuilt_from_the_log()
    {
        using var h = new LogHarness();
        h.Log.Append(Batch(P1, 0, 0, 2, transactional: true)); // 0-1, open
        for (var i = 0; i < 10; i++)
            h.Append(records: 10, valueBytes: 50);
        h.Log.Append(Batch(P2, 1, 0, 3)); // idempotent
        h.Log.UpdateHighWatermark(h.Log.LogEndOffset);
        var end = h.Log.LogEndOffset;
        h.Manager.Dispose();
        // Damage every snapshot: the load falls back to the whole log.
        foreach (var path in h.Fs.ListFiles(LogHarness.PartitionDir).Where(p => p.EndsWith(".snapshot", StringComparison.Ordinal)))
        {
            var bytes = h.Fs.ReadAllBytes(path);
            bytes[^3] ^= 0x40;
            h.Fs.WriteAllBytesDurably(path, bytes);
        }
        h.Reopen();

        Assert.Contains(h.Messages, m => m.Contains("ignoring the damaged producer snapshot", StringComparison.Ordinal));
        Assert.Contains(h.Messages, m => m.Contains("producer state rebuilt from the start of the log", StringComparison.Ordinal));
        Assert.Equal(0, h.Log.OpenTransactionStart(P1));
        Assert.Equal(0, h.Log.LastStableOffset);
        Assert.True(h.Log.CheckProducerBatch(new ProducerBatch(P2, 1, 0, 2)).IsDuplicate);
        Assert.Equal([end], h.Log.ProducerSnapshotOffsets);
        Assert.NotNull(ProducerSnapshotFile.Deserialize(h.Fs.ReadAllBytes(SnapshotPath(end)), out _));
    }

    [Fact]
    public void A_truncation_deletes_the_snapshots_above_the_new_log_end_and_reloads_the_state()
    {
        using var h = new LogHarness();
        h.Log.Append(Batch(P1, 0, 0, 2, transactional: true)); // 0-1
        for (var i = 0; i < 10; i++)
            h.Append(records: 10, valueBytes: 50);
        var cut = h.Log.LogEndOffset;
        h.Log.Append(Batch(P2, 0, 0, 2, transactional: true));
        h.Log.Append(Marker(P1, 0, 3, commit: true));
        for (var i = 0; i < 10; i++)
            h.Append(records: 10, valueBytes: 50);
        Assert.Contains(h.Log.ProducerSnapshotOffsets, o => o > cut);

        h.Log.TruncateTo(cut);
        Assert.Equal(cut, h.Log.LogEndOffset);
        Assert.All(h.Log.ProducerSnapshotOffsets, o => Assert.True(o <= cut));
        Assert.All(h.Fs.ListFiles(LogHarness.PartitionDir).Where(p => p.EndsWith(".snapshot", StringComparison.Ordinal)),
            p => Assert.True(long.Parse(Path.GetFileName(p)[..20], System.Globalization.CultureInfo.InvariantCulture) <= cut));
        Assert.Equal(0, h.Log.OpenTransactionStart(P1)); // its marker was cut off: open again
        Assert.Equal(-1, h.Log.OpenTransactionStart(P2)); // it began after the cut
        Assert.Equal(ErrorCode.None, h.Log.CheckMarker(P1, 0, coordinatorEpoch: 1).Error);

        h.Restart();
        Assert.Equal(0, h.Log.OpenTransactionStart(P1));
        Assert.Equal(-1, h.Log.OpenTransactionStart(P2));
    }

    [Fact]
    public void Retention_removes_the_snapshots_below_the_first_segment_left()
    {
        using var h = new LogHarness();
        h.Log.Append(Batch(P1, 0, 0, 2));
        for (var i = 0; i < 20; i++)
            h.Append(records: 10, valueBytes: 50);
        h.Log.UpdateHighWatermark(h.Log.LogEndOffset);
        var before = h.Log.ProducerSnapshotOffsets;
        Assert.True(before.Count > 2);

        h.Log.AdvanceLogStartOffset(before[2]);
        var first = h.Log.Segments[0].BaseOffset;
        Assert.All(h.Log.ProducerSnapshotOffsets, o => Assert.True(o >= first));
        Assert.Contains(before[2], h.Log.ProducerSnapshotOffsets);
        Assert.False(h.Fs.FileExists(SnapshotPath(before[0])));
    }

    [Fact]
    public void An_empty_log_takes_no_snapshot()
    {
        using var h = new LogHarness();
        h.Restart();
        Assert.Empty(h.Log.ProducerSnapshotOffsets);
    }
}
