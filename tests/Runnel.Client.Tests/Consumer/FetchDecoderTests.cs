using System.Buffers.Binary;
using System.Text;
using Runnel.Client.Consumer;
using Runnel.Client.Producer;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Client.Tests.Consumer;

/// <summary>Producer batches read back through the consumer's decoder, as the broker would hand them out.</summary>
public class FetchDecoderTests
{
    private static byte[] ProducerBatchBytes(long baseOffset, params ProducerRecord[] records)
    {
        using var batch = new ProducerBatch(new TopicPartition("t", 0), CompressionType.None, 0, long.MaxValue);
        var timestamp = 1_700_000_000_000L;
        foreach (var record in records)
            Assert.True(batch.TryAppend(record, record.Timestamp ?? timestamp++, new TaskCompletionSource<DeliveryResult>(), int.MaxValue));
        Assert.True(batch.Close());
        var bytes = batch.Bytes.ToArray();
        BinaryPrimitives.WriteInt64BigEndian(bytes, baseOffset); // the broker stamps offsets; the CRC does not cover them
        return bytes;
    }

    private static ProducerRecord Text(string? key, string? value, params MessageHeader[] headers)
        => new("t", key is null ? null : Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value)) { Headers = headers };

    private static (List<ConsumeResult> Records, long Position) Decode(byte[] bytes, long position, bool checkCrcs = true)
    {
        using var scratch = new KafkaWriter();
        var output = new List<ConsumeResult>();
        var next = FetchDecoder.Decode("t", 0, bytes, position, checkCrcs, scratch, output);
        return (output, next);
    }

    [Fact]
    public void Keys_values_nulls_headers_and_timestamps_survive_the_round_trip()
    {
        var bytes = ProducerBatchBytes(100,
            Text("k1", "v1", new MessageHeader("h", Encoding.UTF8.GetBytes("x")), new MessageHeader("empty", null)),
            Text(null, "v2"),
            Text("k3", null));

        var (records, position) = Decode(bytes, 100);

        Assert.Equal(103, position);
        Assert.Equal([100L, 101, 102], records.Select(r => r.Offset));
        Assert.Equal("k1", Encoding.UTF8.GetString(records[0].Key!));
        Assert.Equal("v1", Encoding.UTF8.GetString(records[0].Value!));
        Assert.Equal([("h", "x"), ("empty", (string?)null)], records[0].Headers.Select(h => (h.Key, h.Value is null ? null : Encoding.UTF8.GetString(h.Value))));
        Assert.Null(records[1].Key);
        Assert.Null(records[2].Value);
        Assert.Equal([1_700_000_000_000L, 1_700_000_000_001, 1_700_000_000_002], records.Select(r => r.Timestamp));
        Assert.All(records, r => Assert.Equal(TimestampType.CreateTime, r.TimestampType));
    }

    [Fact]
    public void Records_before_the_position_are_skipped_and_a_cut_off_last_batch_is_left_for_later()
    {
        var first = ProducerBatchBytes(0, Text(null, "a"), Text(null, "b"));
        var second = ProducerBatchBytes(2, Text(null, "c"));
        var third = ProducerBatchBytes(3, Text(null, "d"));
        var fetched = first.Concat(second).Concat(third.AsSpan(0, third.Length - 5).ToArray()).ToArray();

        var (records, position) = Decode(fetched, 1);

        Assert.Equal(["b", "c"], records.Select(r => Encoding.UTF8.GetString(r.Value!)));
        Assert.Equal(3, position);
    }

    [Fact]
    public void A_control_batch_yields_nothing_but_moves_the_position_past_it()
    {
        using var buffer = new KafkaWriter();
        using var builder = new RecordBatchBuilder();
        builder.Begin(buffer, new RecordBatchSettings { BaseOffset = 5, IsControl = true, IsTransactional = true, ProducerId = 1, ProducerEpoch = 0 });
        builder.Append(1, new byte[] { 0, 0, 0, 1 }, new byte[] { 0, 0, 0, 0, 0, 0 });
        builder.Finish();

        var (records, position) = Decode(buffer.WrittenSpan.ToArray(), 5);

        Assert.Empty(records);
        Assert.Equal(6, position);
    }

    [Fact]
    public void A_corrupted_batch_fails_its_crc_check()
    {
        var bytes = ProducerBatchBytes(0, Text("k", "value"));
        bytes[^1] ^= 0xFF;
        var error = Assert.Throws<RunnelException>(() => Decode(bytes, 0));
        Assert.Contains("CRC", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_that_overruns_its_batch_is_reported_not_skipped()
    {
        var bytes = ProducerBatchBytes(0, Text("k", "value"), Text("k2", "value2"));
        // Claim one record more than the batch holds; the CRC check is off so the reader meets the lie.
        bytes[RecordBatchHeader.RecordCountOffset + 3]++;
        var error = Assert.Throws<RunnelException>(() => Decode(bytes, 0, checkCrcs: false));
        Assert.Contains("unreadable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Delivery_reports_number_records_from_the_base_offset()
    {
        using var batch = new ProducerBatch(new TopicPartition("t", 2), CompressionType.None, 0, long.MaxValue);
        var completions = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource<DeliveryResult>()).ToList();
        foreach (var completion in completions)
            batch.TryAppend(Text(null, "v"), 42, completion, int.MaxValue);
        batch.Close();
        batch.Complete(baseOffset: 10, logAppendTime: -1);

        Assert.Equal([10L, 11, 12], completions.Select(c => c.Task.Result.Offset));
        Assert.All(completions, c => Assert.Equal(new DeliveryResult("t", 2, c.Task.Result.Offset, 42), c.Task.Result));
        Assert.True(batch.Done.IsCompleted);
    }
}
