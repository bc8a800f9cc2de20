using System.Buffers.Binary;
using Runnel.Protocol.Records;

namespace Runnel.Protocol.Tests.Records;

public sealed class RecordBatchStampingTests
{
    private static readonly RecordBatchValidationOptions Log = new() { FromClient = false };

    [Fact]
    public void Stamping_offset_and_epoch_leaves_the_crc_valid()
    {
        var batch = TestBatches.Simple(5);
        var crc = BinaryPrimitives.ReadUInt32BigEndian(batch.AsSpan(RecordBatchHeader.CrcOffset));

        RecordBatch.Stamp(batch, baseOffset: 1_000_000, partitionLeaderEpoch: 12);

        Assert.Equal(crc, BinaryPrimitives.ReadUInt32BigEndian(batch.AsSpan(RecordBatchHeader.CrcOffset)));
        Assert.True(RecordBatchHeader.TryRead(batch, out var header));
        Assert.Equal((1_000_000L, 12, 1_000_004L), (header.BaseOffset, header.PartitionLeaderEpoch, header.LastOffset));
        var result = TestBatches.Validate(batch, Log);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(Enumerable.Range(1_000_000, 5).Select(i => (long)i), TestBatches.ReadAll(batch).Select(r => r.Offset));
    }

    [Fact]
    public void Log_append_time_sets_the_bit_and_max_timestamp_and_a_new_crc()
    {
        var batch = TestBatches.Simple(5, baseTimestamp: 1000);
        var before = (byte[])batch.Clone();

        Assert.True(RecordBatch.SetMaxTimestamp(batch, TimestampType.LogAppendTime, 5555));

        Assert.NotEqual(before.AsSpan(RecordBatchHeader.CrcOffset, 4).ToArray(), batch.AsSpan(RecordBatchHeader.CrcOffset, 4).ToArray());
        Assert.True(RecordBatchHeader.TryRead(batch, out var header));
        Assert.True(header.IsLogAppendTime);
        Assert.Equal(5555, header.MaxTimestamp);
        Assert.Equal(1000, header.BaseTimestamp); // Kafka keeps the producer's first timestamp
        var result = RecordBatchValidator.Validate(batch, Log, out var info);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal((TimestampType.LogAppendTime, 5555L), (info.TimestampType, info.MaxTimestamp));
        Assert.All(TestBatches.ReadAll(batch), r => Assert.Equal(5555, r.Timestamp));

        // Stamping the same again changes nothing, so the CRC is not recomputed.
        var stamped = (byte[])batch.Clone();
        Assert.False(RecordBatch.SetMaxTimestamp(batch, TimestampType.LogAppendTime, 5555));
        Assert.Equal(stamped, batch);

        // Offsets after the timestamp: both stamps together still validate.
        RecordBatch.Stamp(batch, 77, 3);
        Assert.True(TestBatches.Validate(batch, Log).IsValid);
    }

    [Fact]
    public void A_wrong_declared_max_timestamp_is_corrected_with_the_records_maximum()
    {
        var batch = TestBatches.Build([TestRecord.Of(100, "a", "1"), TestRecord.Of(300, "b", "2"), TestRecord.Of(200, "c", "3")]);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(RecordBatchHeader.MaxTimestampOffset), 50);
        TestBatches.FixCrc(batch);

        var result = RecordBatchValidator.Validate(batch, new RecordBatchValidationOptions(), out var info);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal((50L, 300L, 1), (info.DeclaredMaxTimestamp, info.MaxTimestamp, info.MaxTimestampOffsetDelta));

        Assert.True(RecordBatch.SetMaxTimestamp(batch, TimestampType.CreateTime, info.MaxTimestamp));
        Assert.True(RecordBatchValidator.Validate(batch, new RecordBatchValidationOptions(), out info).IsValid);
        Assert.Equal(300, info.DeclaredMaxTimestamp);
        Assert.Equal([100L, 300L, 200L], TestBatches.ReadAll(batch).Select(r => r.Timestamp));
    }

    [Fact]
    public void Stamping_a_span_that_is_not_a_whole_batch_is_a_programming_error()
    {
        var batch = TestBatches.Simple(2);
        Assert.Throws<ArgumentException>(() => RecordBatch.SetMaxTimestamp(batch.AsSpan(0, batch.Length - 1), TimestampType.LogAppendTime, 1));
    }
}
