using System.Buffers.Binary;
using System.Text;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage.Transactions;

namespace Runnel.Storage.Tests;

/// <summary>
/// The log's transaction state and Kafka's per-segment <c>.txnindex</c>: written at an abort, in Kafka's 34-byte
/// layout, kept across a clean restart, rebuilt after a crash, truncated and deleted with its segment, carried
/// through compaction; the last stable offset follows open transactions through all of it.
/// </summary>
public sealed class TransactionIndexTests
{
    private const long P1 = 11, P2 = 22;

    private static byte[] Txn(long producerId, long timestamp, params string[] keys)
    {
        using var writer = new KafkaWriter();
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, new RecordBatchSettings { ProducerId = producerId, ProducerEpoch = 0, BaseSequence = 0, IsTransactional = true });
        foreach (var key in keys)
            builder.Append(timestamp, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes("txn-" + key));
        builder.Finish();
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Marker(long producerId, bool commit, long timestamp)
    {
        using var writer = new KafkaWriter();
        ControlRecord.WriteEndTransactionMarker(writer, commit, 0, producerId, 0, timestamp);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>P1 writes 3 records at 3-5 and aborts at 8 while P2 (6-7) is open; P2 commits at 9. Returns the log end.</summary>
    private static long WriteTwoTransactions(LogHarness h)
    {
        var now = h.Clock.NowMs;
        h.Append(3); // 0-2
        h.Log.Append(Txn(P1, now, "a", "b", "c")); // 3-5
        h.Log.Append(Txn(P2, now, "d", "e")); // 6-7
        h.Log.Append(Marker(P1, commit: false, now)); // 8
        h.Log.Append(Marker(P2, commit: true, now)); // 9
        h.Log.UpdateHighWatermark(h.Log.LogEndOffset);
        return h.Log.LogEndOffset;
    }

    [Fact]
    public void An_abort_is_written_in_kafkas_layout_and_survives_a_clean_restart()
    {
        using var h = new LogHarness(LogHarness.SmallSegments with { SegmentBytes = 1 << 20 });
        Assert.Equal(10, WriteTwoTransactions(h));
        var expected = new AbortedTransaction(P1, 3, 8, 6);
        Assert.Equal([expected], h.Log.CollectAbortedTransactions(0, 10));
        Assert.Equal(10, h.Log.LastStableOffset);

        h.Restart();
        var file = h.Fs.ReadAllBytes($"{LogHarness.PartitionDir}/00000000000000000000.txnindex");
        Assert.Equal(AbortedTransaction.Size, file.Length);
        Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(file));
        Assert.Equal(P1, BinaryPrimitives.ReadInt64BigEndian(file.AsSpan(2)));
        Assert.Equal(3, BinaryPrimitives.ReadInt64BigEndian(file.AsSpan(10)));
        Assert.Equal(8, BinaryPrimitives.ReadInt64BigEndian(file.AsSpan(18)));
        Assert.Equal(6, BinaryPrimitives.ReadInt64BigEndian(file.AsSpan(26)));
        Assert.Equal([expected], h.Log.CollectAbortedTransactions(0, 10));
        // Kafka's overlap rule: a fetch past the abort marker, or one ending before the transaction began, sees none.
        Assert.Empty(h.Log.CollectAbortedTransactions(9, 10));
        Assert.Empty(h.Log.CollectAbortedTransactions(0, 3));
    }

    [Fact]
    public void An_open_transaction_holds_the_last_stable_offset_across_a_restart()
    {
        using var h = new LogHarness();
        h.Append(2);
        h.Log.Append(Txn(P1, h.Clock.NowMs, "a"));
        h.Append(2);
        h.Log.UpdateHighWatermark(h.Log.LogEndOffset);
        Assert.Equal(2, h.Log.LastStableOffset);
        h.Restart();
        Assert.Equal(2, h.Log.LastStableOffset);
        Assert.Equal(2, h.Log.OpenTransactionStart(P1));
        h.Log.Append(Marker(P1, commit: true, h.Clock.NowMs));
        h.Log.UpdateHighWatermark(h.Log.LogEndOffset);
        Assert.Equal(h.Log.LogEndOffset, h.Log.LastStableOffset);
    }

    [Fact]
    public void A_crash_rebuilds_the_index_of_the_recovered_segments()
    {
        using var h = new LogHarness(LogHarness.SmallSegments with { SegmentBytes = 1 << 20 });
        WriteTwoTransactions(h);
        h.Log.Flush();
        h.Fs.DeleteFile($"{LogHarness.PartitionDir}/00000000000000000000.txnindex");
        h.CrashAndRestart();
        Assert.Equal(10, h.Log.LogEndOffset);
        Assert.Equal([new AbortedTransaction(P1, 3, 8, 6)], h.Log.CollectAbortedTransactions(0, 10));
    }

    [Fact]
    public void A_truncation_below_a_marker_drops_its_entry_and_reopens_the_transaction()
    {
        using var h = new LogHarness(LogHarness.SmallSegments with { SegmentBytes = 1 << 20 });
        WriteTwoTransactions(h);
        h.Log.TruncateTo(8);
        Assert.Empty(h.Log.CollectAbortedTransactions(0, 10));
        Assert.Equal(3, h.Log.OpenTransactionStart(P1));
        Assert.Equal(6, h.Log.OpenTransactionStart(P2));
        Assert.Equal(3, h.Log.LastStableOffset);
        h.Restart();
        Assert.Equal(3, h.Log.LastStableOffset);
        Assert.Empty(h.Log.CollectAbortedTransactions(0, 10));
    }

    [Fact]
    public void Retention_deletes_the_index_with_its_segment()
    {
        using var h = new LogHarness(LogHarness.SmallSegments with { SegmentBytes = 1 << 20 });
        WriteTwoTransactions(h);
        h.Log.Roll();
        h.Append(2);
        h.Log.UpdateHighWatermark(h.Log.LogEndOffset);
        Assert.Contains(h.Fs.ListFiles(LogHarness.PartitionDir), p => p.EndsWith("00000000000000000000.txnindex", StringComparison.Ordinal));
        h.Log.AdvanceLogStartOffset(10);
        h.Log.DeleteOldSegments();
        Assert.DoesNotContain(h.Fs.ListFiles(LogHarness.PartitionDir), p => p.EndsWith(".txnindex", StringComparison.Ordinal));
        Assert.Empty(h.Log.CollectAbortedTransactions(10, 12));
    }

    [Fact]
    public void Compaction_keeps_transactional_data_and_its_index_and_an_aborted_key_never_hides_an_older_value()
    {
        var config = LogHarness.SmallSegments with { SegmentBytes = 1 << 20, CleanupPolicy = CleanupPolicy.Compact, DeleteRetentionMs = 60_000 };
        using var h = new LogHarness(config);
        var now = h.Clock.NowMs;
        h.Log.Append(TestBatch.Build([new TestRecord("a", "committed-a", now), new TestRecord("x", "x1", now)])); // 0-1
        h.Log.Append(TestBatch.Build([new TestRecord("x", "x2", now)])); // 2
        h.Log.Append(Txn(P1, now, "a")); // 3
        h.Log.Append(Marker(P1, commit: false, now)); // 4
        h.Log.Roll();
        h.Log.Flush();
        h.Log.UpdateHighWatermark(h.Log.LogEndOffset);
        Assert.NotNull(h.Manager.Cleaner.Clean(h.Log, force: true));
        var records = h.ReadRecords();
        Assert.Contains(records, r => r.Key == "a" && r.Value == "committed-a");
        Assert.Contains(records, r => r.Key == "a" && r.Value == "txn-a");
        Assert.DoesNotContain(records, r => r.Value == "x1");
        Assert.Equal([new AbortedTransaction(P1, 3, 4, 5)], h.Log.CollectAbortedTransactions(0, 5));
        h.Restart();
        Assert.Equal([new AbortedTransaction(P1, 3, 4, 5)], h.Log.CollectAbortedTransactions(0, 5));
    }
}
