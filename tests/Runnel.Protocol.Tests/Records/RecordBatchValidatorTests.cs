using System.Buffers.Binary;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Protocol.Tests.Records;

/// <summary>Framing: what makes a buffer not a sound sequence of v2 batches, with the Kafka error code each maps to.</summary>
public sealed class RecordBatchValidatorTests
{
    private static readonly RecordBatchValidationOptions Client = new();
    private static readonly RecordBatchValidationOptions Broker = new() { FromClient = false, SingleBatch = false };

    [Fact]
    public void An_empty_buffer_has_no_batch()
    {
        var result = TestBatches.Validate([]);
        Assert.Equal(RecordBatchError.Empty, result.Error);
        Assert.Equal(ErrorCode.InvalidRecord, result.ErrorCode);
    }

    [Fact]
    public void Flipping_any_bit_the_crc_covers_or_the_crc_itself_is_corruption()
    {
        var batch = TestBatches.Simple(3);
        var random = new Random(1);
        for (var i = RecordBatchHeader.CrcOffset; i < batch.Length; i++)
        {
            var copy = (byte[])batch.Clone();
            copy[i] ^= (byte)(1 << random.Next(8));
            var result = TestBatches.Validate(copy);
            // Bytes 21+ carry counts and lengths too; the CRC is checked before any of them is believed.
            Assert.True(result.Error == RecordBatchError.CrcMismatch, $"byte {i}: {result}");
            Assert.Equal(ErrorCode.CorruptMessage, result.ErrorCode);
            Assert.Contains("CRC", result.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_truncation_is_reported_as_truncated()
    {
        var batch = TestBatches.Simple(3);
        for (var length = 1; length < batch.Length; length++)
        {
            var result = TestBatches.Validate(batch.AsSpan(0, length));
            Assert.True(result.Error == RecordBatchError.Truncated, $"{length} bytes: {result}");
            Assert.Equal(0, result.ValidBytes);
        }
    }

    [Theory]
    [InlineData(-1, RecordBatchError.LengthTooSmall)]
    [InlineData(int.MinValue, RecordBatchError.LengthTooSmall)]
    [InlineData(0, RecordBatchError.LengthTooSmall)]
    [InlineData(RecordBatch.MinBatchLength - 1, RecordBatchError.LengthTooSmall)]
    [InlineData(int.MaxValue, RecordBatchError.TooLarge)]
    public void Batch_length_outside_the_possible_range_is_refused(int batchLength, RecordBatchError expected)
    {
        var batch = TestBatches.Simple(3);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.BatchLengthOffset), batchLength);
        Assert.Equal(expected, TestBatches.Validate(batch).Error);
        // Without a size cap the same int.MaxValue must not overflow into a bogus "fits".
        Assert.NotEqual(RecordBatchError.None, TestBatches.Validate(batch, Client with { MaxBatchBytes = int.MaxValue }).Error);
    }

    [Fact]
    public void Batch_length_larger_than_the_buffer_is_truncated_and_smaller_leaves_a_broken_batch()
    {
        var batch = TestBatches.Simple(3);
        var length = BinaryPrimitives.ReadInt32BigEndian(batch.AsSpan(RecordBatchHeader.BatchLengthOffset));

        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.BatchLengthOffset), length + 1);
        Assert.Equal(RecordBatchError.Truncated, TestBatches.Validate(batch).Error);

        // Shorter by 5: the CRC no longer matches over the declared range; with a CRC fixed over that range the
        // last record runs past the batch, and the 5 bytes left over are not a batch either.
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.BatchLengthOffset), length - 5);
        Assert.Equal(RecordBatchError.CrcMismatch, TestBatches.Validate(batch).Error);
        TestBatches.FixCrc(batch.AsSpan(0, length - 5 + RecordBatchHeader.LogOverhead));
        Assert.Equal(RecordBatchError.InvalidRecord, RecordBatchValidator.ValidateBatch(batch, Client, out _).Error);
        Assert.Equal(RecordBatchError.InvalidRecord, TestBatches.Validate(batch).Error);
    }

    [Fact]
    public void A_batch_over_the_topic_limit_is_too_large()
    {
        var batch = TestBatches.Simple(10);
        var result = TestBatches.Validate(batch, Client with { MaxBatchBytes = batch.Length - 1 });
        Assert.Equal(RecordBatchError.TooLarge, result.Error);
        Assert.Equal(ErrorCode.MessageTooLarge, result.ErrorCode);
        Assert.True(TestBatches.Validate(batch, Client with { MaxBatchBytes = batch.Length }).IsValid);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Legacy_message_sets_are_refused_by_their_magic_byte(byte magic)
    {
        var result = TestBatches.Validate(LegacyMessageSet(magic));
        Assert.Equal(RecordBatchError.LegacyMagic, result.Error);
        Assert.Equal(ErrorCode.InvalidRecord, result.ErrorCode);
        Assert.Contains("legacy", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public void Unknown_magic_is_corruption(sbyte magic)
    {
        var batch = TestBatches.Simple(2);
        batch[RecordBatchHeader.MagicOffset] = (byte)magic;
        var result = TestBatches.Validate(batch);
        Assert.Equal(RecordBatchError.UnknownMagic, result.Error);
        Assert.Equal(ErrorCode.CorruptMessage, result.ErrorCode);
    }

    [Fact]
    public void Bytes_after_the_batch_are_refused()
    {
        var batch = TestBatches.Simple(2);
        var random = new Random(3);
        foreach (var extra in new[] { 1, 11, 12, 60, 61, 200 })
        {
            var garbage = new byte[extra];
            random.NextBytes(garbage);
            var buffer = batch.Concat(garbage).ToArray();
            var single = TestBatches.Validate(buffer);
            Assert.Equal(RecordBatchError.UnexpectedBytes, single.Error);
            Assert.Equal((1, batch.Length), (single.BatchCount, single.ValidBytes));

            var several = TestBatches.Validate(buffer, Broker);
            Assert.False(several.IsValid);
            Assert.Equal((1, batch.Length), (several.BatchCount, several.ValidBytes));
        }
    }

    /// <summary>One legacy message (LegacyRecord.java): offset, size, crc, magic, attributes, [timestamp], key, value.</summary>
    private static byte[] LegacyMessageSet(byte magic)
    {
        using var writer = new KafkaWriter();
        writer.WriteInt64(0);
        var size = writer.ReserveInt32();
        writer.WriteInt32(0); // CRC-32 (IEEE) of the rest; never reached, the magic decides first
        writer.WriteInt8((sbyte)magic);
        writer.WriteInt8(0);
        if (magic == 1)
            writer.WriteInt64(1_700_000_000_000);
        writer.WriteInt32(-1);
        writer.WriteBytes("legacy value"u8, compact: false);
        writer.PatchInt32(size, writer.Length - RecordBatchHeader.LogOverhead);
        return writer.WrittenSpan.ToArray();
    }
}
