using Runnel.Protocol.Compression;
using Runnel.Protocol.Records;

namespace Runnel.Protocol.Tests.Records;

public sealed class RecordBatchRoundTripTests
{
    [Fact]
    public void Null_and_empty_keys_values_and_headers_stay_distinct()
    {
        TestRecord[] sent =
        [
            new(1000, null, null, []),
            new(1001, [], [], []),
            new(1002, [1, 2, 3], null, [("a", null), ("", []), ("ü", [9])]),
            new(1003, null, [4], [("h", [0xFF])]),
        ];
        var batch = TestBatches.Build(sent);

        var result = RecordBatchValidator.Validate(batch, new RecordBatchValidationOptions(), out var info);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(4, info.RecordCount);
        Assert.Equal(batch.Length, info.SizeInBytes);

        var read = TestBatches.ReadAll(batch);
        Assert.Equal(sent.Length, read.Count);
        for (var i = 0; i < sent.Length; i++)
        {
            Assert.Equal(i, read[i].Offset);
            Assert.Equal(sent[i].Timestamp, read[i].Timestamp);
            Assert.Equal(sent[i].Key, read[i].Key);
            Assert.Equal(sent[i].Value, read[i].Value);
            Assert.Equal(sent[i].Headers.Length, read[i].Headers.Length);
            for (var h = 0; h < sent[i].Headers.Length; h++)
            {
                Assert.Equal(sent[i].Headers[h].Key, read[i].Headers[h].Key);
                Assert.Equal(sent[i].Headers[h].Value, read[i].Headers[h].Value);
            }
        }
    }

    [Fact]
    public void Many_records_of_varied_size_round_trip_with_header_fields()
    {
        var random = new Random(7);
        var sent = Enumerable.Range(0, 5000).Select(i => new TestRecord(
            1_700_000_000_000 + random.Next(-100_000, 100_000),
            i % 11 == 0 ? null : RandomBytes(random, random.Next(0, 40)),
            i % 13 == 0 ? null : RandomBytes(random, random.Next(0, 300)),
            Enumerable.Range(0, i % 4).Select(h => ($"hdr{h}", h == 2 ? null : RandomBytes(random, h * 50))).ToArray())).ToArray();
        var settings = new RecordBatchSettings { ProducerId = 42, ProducerEpoch = 3, BaseSequence = int.MaxValue - 10, IsTransactional = true };
        var batch = TestBatches.Build(sent, settings);

        var result = RecordBatchValidator.Validate(batch, new RecordBatchValidationOptions { MaxBatchBytes = int.MaxValue }, out var info);
        Assert.True(result.IsValid, result.Message);
        var expectedMax = sent.Max(r => r.Timestamp);
        Assert.Equal(5000, info.RecordCount);
        Assert.Equal(4999, info.LastOffsetDelta);
        Assert.Equal(0, info.FirstOffsetDelta);
        Assert.Equal(sent[0].Timestamp, info.BaseTimestamp);
        Assert.Equal(expectedMax, info.MaxTimestamp);
        Assert.Equal(expectedMax, info.DeclaredMaxTimestamp);
        Assert.Equal(Array.FindIndex(sent, r => r.Timestamp == expectedMax), info.MaxTimestampOffsetDelta);
        Assert.Equal((42L, (short)3, int.MaxValue - 10), (info.ProducerId, info.ProducerEpoch, info.BaseSequence));
        Assert.Equal(4999 - 11, info.LastSequence); // wraps past int.MaxValue like Kafka's sequences
        Assert.True(info.IsTransactional);
        Assert.False(info.IsControl);
        Assert.Equal(CompressionType.None, info.Compression);

        var read = TestBatches.ReadAll(batch);
        Assert.Equal(sent.Select(r => (r.Timestamp, Hex(r.Key), Hex(r.Value))), read.Select(r => (r.Timestamp, Hex(r.Key), Hex(r.Value))));
        Assert.Equal(sent.Select(r => r.Headers.Length), read.Select(r => r.Headers.Length));
    }

    [Fact]
    public void Several_batches_back_to_back_validate_one_by_one_or_together()
    {
        var first = TestBatches.Simple(3);
        var second = TestBatches.Simple(5);
        var buffer = first.Concat(second).ToArray();

        var together = TestBatches.Validate(buffer, new RecordBatchValidationOptions { SingleBatch = false });
        Assert.True(together.IsValid, together.Message);
        Assert.Equal((2, 8, buffer.Length), (together.BatchCount, together.RecordCount, together.ValidBytes));

        var counts = new List<int>();
        var rest = buffer.AsSpan();
        while (!rest.IsEmpty)
        {
            var one = RecordBatchValidator.ValidateBatch(rest, new RecordBatchValidationOptions(), out var info);
            Assert.True(one.IsValid, one.Message);
            counts.Add(info.RecordCount);
            rest = rest[info.SizeInBytes..];
        }
        Assert.Equal([3, 5], counts);

        var single = TestBatches.Validate(buffer);
        Assert.Equal(RecordBatchError.UnexpectedBytes, single.Error);
        Assert.Equal((1, first.Length), (single.BatchCount, single.ValidBytes));
    }

    [Fact]
    public void Log_append_time_batches_report_the_append_time_for_every_record()
    {
        var batch = TestBatches.Build(
            [TestRecord.Of(10, "a", "1"), TestRecord.Of(20, "b", "2")],
            new RecordBatchSettings { TimestampType = TimestampType.LogAppendTime, LogAppendTime = 999 });
        var result = RecordBatchValidator.Validate(batch, new RecordBatchValidationOptions { FromClient = false }, out var info);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(TimestampType.LogAppendTime, info.TimestampType);
        Assert.Equal(999, info.MaxTimestamp);
        Assert.All(TestBatches.ReadAll(batch), r => Assert.Equal(999, r.Timestamp));
    }

    [Fact]
    public void Gzip_batches_round_trip_through_the_codec()
    {
        var batch = TestBatches.Simple(300, compression: CompressionType.Gzip);
        var result = RecordBatchValidator.Validate(batch, new RecordBatchValidationOptions(), out var info);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(CompressionType.Gzip, info.Compression);
        Assert.True(info.UncompressedRecordsBytes > batch.Length - RecordBatchHeader.Size);
        var read = TestBatches.ReadAll(batch);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"value-{i}"), read.Select(r => r.ValueText));

        var limited = TestBatches.Validate(batch, new RecordBatchValidationOptions { MaxUncompressedBytes = info.UncompressedRecordsBytes - 1 });
        Assert.Equal(RecordBatchError.UncompressedTooLarge, limited.Error);
        Assert.Equal(ErrorCode.MessageTooLarge, limited.ErrorCode);

        // Damage inside the deflate stream, under a CRC that matches: the codec's refusal becomes CORRUPT_MESSAGE.
        var damaged = (byte[])batch.Clone();
        for (var i = RecordBatchHeader.Size + 12; i < damaged.Length - 8; i += 7)
            damaged[i] ^= 0x5A;
        TestBatches.FixCrc(damaged);
        var corrupt = TestBatches.Validate(damaged);
        Assert.Equal(RecordBatchError.CorruptCompression, corrupt.Error);
        Assert.Equal(ErrorCode.CorruptMessage, corrupt.ErrorCode);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string? Hex(byte[]? bytes) => bytes is null ? null : Convert.ToHexString(bytes);
}
