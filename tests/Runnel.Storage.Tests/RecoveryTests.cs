using Runnel.Storage.Segments;

namespace Runnel.Storage.Tests;

public sealed class RecoveryTests
{
    [Fact]
    public void Clean_restart_keeps_everything_and_validates_nothing()
    {
        using var h = new LogHarness();
        for (var i = 0; i < 30; i++)
            h.Append(valueBytes: 60);
        var before = h.ReadAll();
        h.Restart();
        Assert.Equal(before, h.ReadAll());
        Assert.Equal(90, h.Log.LogEndOffset);
        Assert.Equal(90, h.Log.RecoveryPoint);
        Assert.DoesNotContain(h.Messages, m => m.Contains("recovery cut", StringComparison.Ordinal));
        Assert.Equal(90, h.Append().FirstOffset);
    }

    [Fact]
    public void Crash_loses_only_what_was_not_fsynced()
    {
        using var h = new LogHarness();
        for (var i = 0; i < 20; i++)
            h.Append(valueBytes: 60);
        h.Log.Flush();
        for (var i = 0; i < 5; i++)
            h.Append(valueBytes: 60);
        h.CrashAndRestart();
        Assert.Equal(60, h.Log.LogEndOffset);
        AssertConsistent(h);
    }

    [Fact]
    public void Every_torn_tail_of_the_newest_segment_recovers_to_the_last_whole_batch()
    {
        using var h = new LogHarness(LogHarness.SmallSegments with { SegmentBytes = 1 << 20 });
        var ends = new List<(int End, long Next)> { (0, 0) };
        for (var i = 0; i < 12; i++)
        {
            var info = h.Append(records: 2, valueBytes: 30);
            ends.Add((h.Log.ActiveSegment.Size, info.LastOffset + 1));
        }
        h.Restart();
        h.Manager.Dispose();
        var path = SegmentFiles.LogPath(LogHarness.PartitionDir, 0);
        var full = h.Fs.ReadAllBytes(path);
        for (var cut = 0; cut <= full.Length; cut += 7)
        {
            h.Fs.WriteAllBytesDurably(path, full[..cut]);
            h.CrashAndRestart();
            var expected = ends.Last(e => e.End <= cut);
            Assert.Equal(expected.Next, h.Log.LogEndOffset);
            AssertConsistent(h);
            h.Manager.Dispose();
        }
    }

    [Fact]
    public void Bit_flips_in_the_newest_segment_cut_the_log_at_the_damaged_batch()
    {
        var random = new Random(42);
        for (var trial = 0; trial < 40; trial++)
        {
            using var h = new LogHarness();
            for (var i = 0; i < 25; i++)
                h.Append(records: 2, valueBytes: 40);
            var active = h.Log.ActiveSegment;
            var path = SegmentFiles.LogPath(LogHarness.PartitionDir, active.BaseOffset);
            h.Log.Flush();
            var bytes = h.Fs.ReadAllBytes(path);
            var flipAt = random.Next(bytes.Length);
            var damagedBatch = LocateBatch(bytes, flipAt);
            // Kafka's CRC covers the batch from its attributes on; the length and magic are checked for structure.
            // The base offset and leader epoch are outside both: a flip there may go unnoticed, as in Kafka.
            if (damagedBatch.Within is < 8 or (>= 12 and < 16))
                continue;
            bytes[flipAt] ^= (byte)(1 << random.Next(8));
            h.Fs.WriteAllBytesDurably(path, bytes);
            h.CrashAndRestart();
            // Everything before the damaged batch survives; it and everything after are gone.
            Assert.Equal(damagedBatch.Base, h.Log.LogEndOffset);
            Assert.Contains(h.Messages, m => m.Contains("recovery cut", StringComparison.Ordinal) && m.Contains("events-0", StringComparison.Ordinal));
            AssertConsistent(h);
        }
    }

    [Fact]
    public void Damaged_index_files_are_rebuilt_and_lookups_stay_correct()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 30; trial++)
        {
            using var h = new LogHarness();
            for (var i = 0; i < 60; i++)
                h.Append(records: 2, valueBytes: 40);
            var expected = h.ReadAll();
            var segment = h.Log.Segments[random.Next(h.Log.SegmentCount)];
            var indexPath = random.Next(2) == 0 ? SegmentFiles.IndexPath(LogHarness.PartitionDir, segment.BaseOffset) : SegmentFiles.TimeIndexPath(LogHarness.PartitionDir, segment.BaseOffset);
            var clean = random.Next(2) == 0;
            if (clean)
                h.Restart();
            else
                h.Log.Flush();
            var bytes = h.Fs.ReadAllBytes(indexPath);
            if (bytes.Length == 0)
                continue;
            switch (random.Next(3))
            {
                case 0:
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes = bytes[..random.Next(bytes.Length)];
                    break;
                default:
                    bytes = [.. bytes, .. new byte[random.Next(1, 20)]];
                    break;
            }
            h.Fs.WriteAllBytesDurably(indexPath, bytes);
            if (clean)
                h.Restart();
            else
                h.CrashAndRestart();
            Assert.Equal(expected, h.ReadAll());
            for (long offset = 0; offset < h.Log.LogEndOffset; offset += 3)
            {
                using var read = h.Log.Read(offset, 100);
                var first = TestBatch.Split(AppendReadTests.ReadBytes(read))[0];
                Assert.InRange(offset, first.Base, first.Last);
            }
            AssertConsistent(h);
        }
    }

    [Fact]
    public void A_damaged_checkpoint_means_full_validation_not_a_crash()
    {
        using var h = new LogHarness();
        for (var i = 0; i < 20; i++)
            h.Append(valueBytes: 60);
        h.Log.Flush();
        h.Manager.CheckpointRecoveryPoints();
        var path = $"{LogHarness.LogDir}/{LogManager.RecoveryPointFile}";
        h.Fs.WriteAllBytesDurably(path, "garbage\n\x01"u8.ToArray());
        h.CrashAndRestart();
        Assert.Equal(60, h.Log.LogEndOffset);
        Assert.Contains(h.Messages, m => m.Contains("damaged", StringComparison.Ordinal));
        AssertConsistent(h);
    }

    [Fact]
    public void Leftover_temp_and_uncommitted_compaction_files_are_removed()
    {
        using var h = new LogHarness();
        h.Append();
        h.Manager.Dispose();
        foreach (var name in new[] { "00000000000000000000.log.cleaned", "00000000000000000000.index.deleted", "x.tmp" })
        {
            using var f = h.Fs.Open($"{LogHarness.PartitionDir}/{name}", create: true);
            f.Write(0, [1, 2, 3]);
        }
        h.CrashAndRestart();
        Assert.Equal(3, h.Log.LogEndOffset);
        Assert.All(h.Fs.ListFiles(LogHarness.PartitionDir), p => Assert.Matches(@"(\d{20}\.(log|index|timeindex|snapshot)|leader-epoch-checkpoint)$", p));
    }

    [Fact]
    public void The_high_watermark_is_checkpointed_and_stays_within_the_log()
    {
        using var h = new LogHarness();
        for (var i = 0; i < 4; i++)
            h.Append();
        Assert.Equal(6, h.Log.UpdateHighWatermark(6));
        Assert.Equal(12, h.Log.UpdateHighWatermark(100));
        h.Log.UpdateHighWatermark(9);
        h.Restart();
        Assert.Equal(9, h.Log.HighWatermark);
        h.Log.TruncateTo(6);
        Assert.Equal(6, h.Log.HighWatermark);
        h.Manager.CheckpointRecoveryPoints();
        h.CrashAndRestart();
        Assert.Equal(6, h.Log.HighWatermark);
    }

    /// <summary>Offsets increase batch to batch, the indexes agree with the log, and the log end follows the last batch.</summary>
    internal static void AssertConsistent(LogHarness h)
    {
        var log = h.Log;
        var batches = h.ReadAll(log);
        for (var i = 1; i < batches.Count; i++)
            Assert.True(batches[i].Base > batches[i - 1].Last, $"offsets go backwards at batch {i}");
        // The log ends after its last batch, or at the base of an empty active segment past it (compaction gaps).
        if (batches.Count > 0)
            Assert.Equal(log.ActiveSegment.IsEmpty ? log.ActiveSegment.BaseOffset : batches[^1].Last + 1, log.LogEndOffset);
        foreach (var segment in log.Segments)
        {
            foreach (var entry in segment.OffsetIndex.Entries)
            {
                Assert.True(segment.TryReadHeader(entry.Position, segment.Size, out var batch));
                Assert.Equal(segment.BaseOffset + entry.RelativeOffset, batch.BaseOffset);
            }
            Assert.False(segment.IndexSuspect);
        }
    }

    private static (long Base, long Last, int Within) LocateBatch(byte[] segment, int position)
    {
        foreach (var (b, last, size) in TestBatch.Split(segment))
        {
            if (position < size)
                return (b, last, position);
            position -= size;
        }
        throw new InvalidOperationException();
    }
}
