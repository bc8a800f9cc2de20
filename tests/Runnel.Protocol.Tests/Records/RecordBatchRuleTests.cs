using System.Buffers.Binary;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Protocol.Tests.Records;

/// <summary>Header and record rules: counts, offset deltas, producer and topic rules, record structure.</summary>
public sealed class RecordBatchRuleTests
{
    private static readonly RecordBatchValidationOptions Client = new();
    private static readonly RecordBatchValidationOptions Broker = new() { FromClient = false, SingleBatch = false };

    [Fact]
    public void Record_count_must_match_the_offsets_and_the_records_present()
    {
        Assert.Equal(RecordBatchError.InvalidCount, WithCount(5, count: 6, lastOffsetDelta: 4, Client).Error);
        Assert.Equal(RecordBatchError.InvalidCount, WithCount(5, count: 0, lastOffsetDelta: -1, Client).Error);
        Assert.Equal(RecordBatchError.InvalidCount, WithCount(5, count: -3, lastOffsetDelta: -4, Client).Error);
        Assert.Equal(RecordBatchError.InvalidCount, WithCount(5, count: 6, lastOffsetDelta: 4, Broker).Error);

        var missing = WithCount(5, count: 6, lastOffsetDelta: 5, Client);
        Assert.Equal(RecordBatchError.InvalidRecord, missing.Error);
        Assert.Equal(ErrorCode.InvalidRecord, missing.ErrorCode);
        var extra = WithCount(5, count: 4, lastOffsetDelta: 3, Client);
        Assert.Equal(RecordBatchError.InvalidRecord, extra.Error);
        Assert.Contains("remain", extra.Message, StringComparison.Ordinal);
        Assert.Equal(RecordBatchError.InvalidRecord, WithCount(5, count: 4, lastOffsetDelta: 4, Broker).Error);
    }

    [Fact]
    public void Offset_delta_must_be_the_record_index_for_producers_and_increasing_in_the_log()
    {
        var batch = TestBatches.Build(Enumerable.Range(0, 3).Select(i => TestRecord.Of(5, "k", "v")));
        var second = RecordBatchHeader.Size + RecordSize(batch, 0);
        var offsetDeltaAt = second + 3; // length, attributes and timestampDelta take a byte each here
        Assert.Equal(2, batch[offsetDeltaAt]); // zigzag(1)
        batch[offsetDeltaAt] = 10; // zigzag(5)
        TestBatches.FixCrc(batch);

        var result = TestBatches.Validate(batch);
        Assert.Equal(RecordBatchError.InvalidOffsetDelta, result.Error);
        Assert.Equal(ErrorCode.InvalidRecord, result.ErrorCode);
        Assert.Equal("record 1: offsetDelta 5 where 1 was expected", result.Message);
        Assert.Equal(RecordBatchError.InvalidOffsetDelta, TestBatches.Validate(batch, Broker).Error);
    }

    [Fact]
    public void A_compacted_batch_with_gaps_is_valid_in_the_log_but_not_from_a_producer()
    {
        var batch = TestBatches.Build(Enumerable.Range(0, 3).Select(i => TestRecord.Of(5, $"k{i}", "v")));
        var compacted = RemoveRecord(batch, 1);

        var result = RecordBatchValidator.Validate(compacted, Broker, out var info);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal((2, 0, 2), (info.RecordCount, info.FirstOffsetDelta, info.LastOffsetDelta));
        Assert.Equal([0L, 2L], TestBatches.ReadAll(compacted).Select(r => r.Offset));
        Assert.Equal(RecordBatchError.InvalidCount, TestBatches.Validate(compacted).Error);
    }

    [Fact]
    public void Producer_batches_follow_the_producer_rules()
    {
        var batch = TestBatches.Simple(2);
        var moved = (byte[])batch.Clone();
        RecordBatch.SetBaseOffset(moved, 7);
        Assert.Equal(RecordBatchError.InvalidBaseOffset, TestBatches.Validate(moved).Error);
        Assert.True(TestBatches.Validate(moved, Broker).IsValid);

        Assert.Equal(RecordBatchError.ControlBatchFromClient, TestBatches.Validate(WithAttributes(batch, 0x20)).Error);
        var appendTime = TestBatches.Validate(WithAttributes(batch, 0x08));
        Assert.Equal(RecordBatchError.InvalidTimestamp, appendTime.Error);
        Assert.Equal(ErrorCode.InvalidTimestamp, appendTime.ErrorCode);

        var transactional = TestBatches.Validate(WithAttributes(batch, 0x10));
        Assert.Equal(RecordBatchError.InvalidProducerState, transactional.Error);
        var noSequence = TestBatches.Build([TestRecord.Of(1, "k", "v")], new RecordBatchSettings { ProducerId = 5, ProducerEpoch = 0, BaseSequence = -1 });
        Assert.Equal(RecordBatchError.InvalidProducerState, TestBatches.Validate(noSequence).Error);
        // KafkaJS sends producerId -1 with epoch 0 and sequence 0 when not idempotent: that is fine.
        var kafkaJs = TestBatches.Build([TestRecord.Of(1, "k", "v")], new RecordBatchSettings { ProducerEpoch = 0, BaseSequence = 0 });
        Assert.True(TestBatches.Validate(kafkaJs).IsValid);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void Unknown_codecs_are_unsupported(byte codec)
    {
        var result = TestBatches.Validate(WithAttributes(TestBatches.Simple(2), codec));
        Assert.Equal(RecordBatchError.UnsupportedCompression, result.Error);
        Assert.Equal(ErrorCode.UnsupportedCompressionType, result.ErrorCode);
    }

    [Fact]
    public void Zstd_needs_produce_v7()
    {
        var zstd = WithAttributes(TestBatches.Simple(2), (byte)CompressionType.Zstd);
        Assert.Equal(RecordBatchError.UnsupportedCompression, TestBatches.Validate(zstd, Client with { AllowZstd = false }).Error);
    }

    [Fact]
    public void Topic_rules_keys_for_compaction_and_the_timestamp_window()
    {
        var batch = TestBatches.Build([TestRecord.Of(1000, "k", "v"), TestRecord.Of(-1, null, "v"), TestRecord.Of(3000, "k", null)]);
        var keys = TestBatches.Validate(batch, Client with { RequireKeys = true });
        Assert.Equal(RecordBatchError.MissingKey, keys.Error);
        Assert.Equal(ErrorCode.InvalidRecord, keys.ErrorCode);
        Assert.Equal("record 1: no key, which a compacted topic requires", keys.Message);

        Assert.True(TestBatches.Validate(batch, Client with { MinTimestamp = 1000, MaxTimestamp = 3000 }).IsValid);
        var late = TestBatches.Validate(batch, Client with { MinTimestamp = 1000, MaxTimestamp = 2999 });
        Assert.Equal(RecordBatchError.InvalidTimestamp, late.Error);
        Assert.Equal("record 2: timestamp 3000 is outside [1000, 2999]", late.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 3, 1, 1, 0 }, "key length")]              // key length -2
    [InlineData(new byte[] { 0, 0, 0, 20, 1, 1, 0 }, "key length")]             // key of 10 bytes, none there
    [InlineData(new byte[] { 0, 0, 0, 1, 2, 0x61, 1 }, "header count")]         // header count -1
    [InlineData(new byte[] { 0, 0, 0, 1, 1, 2, 1, 1 }, "header 0 key")]        // header key null
    [InlineData(new byte[] { 0, 0, 0, 1, 1, 2, 0, 5 }, "header 0 value")]      // header value -3
    [InlineData(new byte[] { 0, 0, 0, 1, 1, 0, 0x61 }, "fields take")]          // a stray byte inside the record
    [InlineData(new byte[] { 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1, 1, 0 }, "unreadable")] // 11-byte varlong
    public void Malformed_records_are_invalid(byte[] body, string reason)
    {
        var result = TestBatches.Validate(RawBatch(body));
        Assert.Equal(RecordBatchError.InvalidRecord, result.Error);
        Assert.Equal(ErrorCode.InvalidRecord, result.ErrorCode);
        Assert.Contains(reason, result.Message, StringComparison.Ordinal);
        Assert.StartsWith("record 0: ", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_length_beyond_the_batch_is_invalid()
    {
        var result = TestBatches.Validate(RawBatch([0, 0, 0, 1, 1, 0], lengthOverride: 100));
        Assert.Equal(RecordBatchError.InvalidRecord, result.Error);
        Assert.Contains("does not fit", result.Message, StringComparison.Ordinal);
    }

    /// <summary>A batch of one record with the given body (attributes onward), CRC fixed.</summary>
    internal static byte[] RawBatch(byte[] body, int? lengthOverride = null)
    {
        using var records = new KafkaWriter();
        records.WriteVarInt(lengthOverride ?? body.Length);
        records.WriteRaw(body);
        var batch = TestBatches.Simple(1);
        var raw = batch.AsSpan(0, RecordBatchHeader.Size).ToArray().Concat(records.WrittenSpan.ToArray()).ToArray();
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(RecordBatchHeader.BatchLengthOffset), raw.Length - RecordBatchHeader.LogOverhead);
        TestBatches.FixCrc(raw);
        return raw;
    }

    private static RecordBatchValidationResult WithCount(int records, int count, int lastOffsetDelta, RecordBatchValidationOptions options)
    {
        var batch = TestBatches.Simple(records);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.RecordCountOffset), count);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.LastOffsetDeltaOffset), lastOffsetDelta);
        TestBatches.FixCrc(batch);
        return TestBatches.Validate(batch, options);
    }

    private static byte[] WithAttributes(byte[] batch, byte attributes)
    {
        var copy = (byte[])batch.Clone();
        copy[RecordBatchHeader.AttributesOffset + 1] = attributes;
        TestBatches.FixCrc(copy);
        return copy;
    }

    private static int RecordSize(byte[] batch, int index)
    {
        var records = RecordBatch.ReadRecords(batch);
        for (var i = 0; i <= index; i++)
            Assert.True(records.MoveNext());
        return records.Current.SizeInBytes;
    }

    /// <summary>What compaction does: drop a record, keep the header's lastOffsetDelta, fix count, length, CRC.</summary>
    private static byte[] RemoveRecord(byte[] batch, int index)
    {
        var start = RecordBatchHeader.Size;
        for (var i = 0; i < index; i++)
            start += RecordSize(batch, i);
        var size = RecordSize(batch, index);
        var result = batch.Take(start).Concat(batch.Skip(start + size)).ToArray();
        BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(RecordBatchHeader.BatchLengthOffset), result.Length - RecordBatchHeader.LogOverhead);
        var count = BinaryPrimitives.ReadInt32BigEndian(result.AsSpan(RecordBatchHeader.RecordCountOffset));
        BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(RecordBatchHeader.RecordCountOffset), count - 1);
        TestBatches.FixCrc(result);
        return result;
    }
}
