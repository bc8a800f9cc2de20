using Runnel.Protocol.Records;

namespace Runnel.Storage.Tests;

public sealed class AppendReadTests
{
    [Fact]
    public void Append_assigns_dense_offsets_and_stamps_them_in_place()
    {
        using var h = new LogHarness();
        var batch = TestBatch.Build(5, h.Clock.NowMs);
        var crc = Crc32C.Compute(batch.AsSpan(RecordBatchHeader.AttributesOffset));
        var first = h.Log.Append(batch);
        var second = h.Append(records: 2);
        Assert.Equal((0, 4), (first.FirstOffset, first.LastOffset));
        Assert.Equal((5, 6), (second.FirstOffset, second.LastOffset));
        Assert.Equal(0, TestBatch.BaseOffsetOf(batch));
        Assert.Equal(7, h.Log.LogEndOffset);
        using var read = h.Log.Read(5, 1 << 20);
        var bytes = new byte[read.Length];
        read.CopyTo(bytes);
        Assert.Equal(5, TestBatch.BaseOffsetOf(bytes));
        // The stamped base offset is outside the CRC: the batch is still valid.
        Assert.Equal(crc, Crc32C.Compute(batch.AsSpan(RecordBatchHeader.AttributesOffset)));
    }

    [Fact]
    public void Read_returns_whole_batches_starting_at_the_one_holding_the_offset()
    {
        using var h = new LogHarness();
        for (var i = 0; i < 40; i++)
            h.Append(records: 4, valueBytes: 50);
        Assert.True(h.Log.SegmentCount > 3);
        for (long offset = 0; offset < 160; offset += 7)
        {
            using var read = h.Log.Read(offset, 600);
            var batches = TestBatch.Split(ReadBytes(read));
            Assert.Equal(offset / 4 * 4, batches[0].Base);
            Assert.True(read.Length <= 600 || batches.Count == 1);
        }
    }

    [Fact]
    public void Read_respects_max_bytes_upper_offset_and_min_one_batch()
    {
        using var h = new LogHarness(LogConfig.Default with { IndexIntervalBytes = 0 });
        var size = TestBatch.Build(2, 0).Length;
        for (var i = 0; i < 10; i++)
            h.Append(records: 2);
        using (var read = h.Log.Read(0, size * 3 + 5))
            Assert.Equal(3, TestBatch.Split(ReadBytes(read)).Count);
        using (var read = h.Log.Read(0, 1 << 20, maxOffset: 9))
            Assert.Equal((0, 7), (TestBatch.Split(ReadBytes(read))[0].Base, TestBatch.Split(ReadBytes(read))[^1].Last));
        using (var read = h.Log.Read(0, 10))
            Assert.Equal(size, read.Length);
        using (var read = h.Log.Read(0, 10, minOneBatch: false))
            Assert.True(read.IsEmpty);
        using (var read = h.Log.Read(20, 100))
            Assert.True(read.IsEmpty);
        var error = Assert.Throws<StorageException>(() => h.Log.Read(21, 100));
        Assert.Equal(StorageErrorKind.OffsetOutOfRange, error.Kind);
    }

    [Fact]
    public void Pooled_copy_holds_the_same_bytes_as_the_region()
    {
        using var h = new LogHarness();
        var batch = TestBatch.Build(3, h.Clock.NowMs);
        h.Log.Append(batch);
        using var read = h.Log.Read(0, 1 << 20);
        using var pooled = read.ToPooledMemory();
        Assert.Equal(batch, pooled.Memory.ToArray());
        Assert.Equal(0, read.Region.Position);
        Assert.Null(read.Region.Handle);
    }

    [Fact]
    public void Segments_roll_by_size_and_by_age()
    {
        using var h = new LogHarness(LogHarness.SmallSegments with { SegmentMs = 1000 });
        h.Append();
        h.Append();
        Assert.Equal(1, h.Log.SegmentCount);
        h.Clock.Advance(1010);
        h.Append();
        Assert.Equal(2, h.Log.SegmentCount);
        Assert.Equal(6, h.Log.ActiveSegment.BaseOffset);
        for (var i = 0; i < 20; i++)
            h.Append(valueBytes: 100);
        Assert.All(h.Log.Segments.SkipLast(1), s => Assert.True(s.Size <= 4096));
        Assert.Contains(h.Fs.ListFiles(LogHarness.PartitionDir), p => p.EndsWith("00000000000000000006.log", StringComparison.Ordinal));
    }

    [Fact]
    public void Timestamp_lookup_finds_the_first_batch_at_or_after_the_time()
    {
        using var h = new LogHarness();
        for (var i = 0; i < 50; i++)
        {
            h.Log.Append(TestBatch.Build(2, 1000 + i * 10));
        }
        // Records of batch i carry timestamps 1000 + 10i and 1001 + 10i: the answer is the record, not the batch.
        Assert.Equal(new TimestampAndOffset(1000, 0), h.Log.FindOffsetByTimestamp(0));
        Assert.Equal(new TimestampAndOffset(1250, 50), h.Log.FindOffsetByTimestamp(1245));
        Assert.Equal(new TimestampAndOffset(1251, 51), h.Log.FindOffsetByTimestamp(1251));
        Assert.Null(h.Log.FindOffsetByTimestamp(5000));
        Assert.Equal(new TimestampAndOffset(1491, 99), h.Log.MaxTimestamp());
    }

    [Fact]
    public void Malformed_batches_are_refused_and_nothing_is_appended()
    {
        using var h = new LogHarness();
        var batch = TestBatch.Build(2, 0);
        batch[RecordBatchHeader.MagicOffset] = 1;
        Assert.Equal(StorageErrorKind.InvalidBatch, Assert.Throws<StorageException>(() => h.Log.Append(batch)).Kind);
        Assert.Equal(StorageErrorKind.InvalidBatch, Assert.Throws<StorageException>(() => h.Log.Append(TestBatch.Build(2, 0).AsSpan(0, 70))).Kind);
        Assert.Equal(0, h.Log.LogEndOffset);
    }

    [Fact]
    public void Follower_appends_keep_their_offsets_and_may_skip_ahead()
    {
        using var h = new LogHarness();
        h.Log.AppendAsFollower(TestBatch.Build([new("a", "1", 1)], baseOffset: 0));
        h.Log.AppendAsFollower(TestBatch.Build([new("a", "2", 2)], baseOffset: 10));
        Assert.Equal(11, h.Log.LogEndOffset);
        Assert.Throws<StorageException>(() => h.Log.AppendAsFollower(TestBatch.Build([new("a", "3", 3)], baseOffset: 5)));
        Assert.Equal([(0L, 0L), (10L, 10L)], h.ReadAll().Select(b => (b.Base, b.Last)));
    }

    [Fact]
    public void Truncation_removes_whole_batches_from_the_offset_on()
    {
        using var h = new LogHarness();
        for (var i = 0; i < 30; i++)
            h.Append(records: 4);
        h.Log.TruncateTo(62);
        Assert.Equal(60, h.Log.LogEndOffset);
        Assert.Equal(59, h.ReadAll()[^1].Last);
        Assert.Equal(60, h.Append().FirstOffset);
        h.Log.TruncateTo(0);
        Assert.Equal(0, h.Log.LogEndOffset);
        Assert.Empty(h.ReadAll());
    }

    internal static byte[] ReadBytes(LogReadResult read)
    {
        var bytes = new byte[read.Length];
        read.CopyTo(bytes);
        return bytes;
    }
}
