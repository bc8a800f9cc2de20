namespace Runnel.Storage.Tests;

public sealed class CompactionTests
{
    private static readonly LogConfig Compacted = LogHarness.SmallSegments with
    {
        CleanupPolicy = CleanupPolicy.Compact,
        DeleteRetentionMs = 60_000,
    };

    /// <summary>Writes <paramref name="count"/> records over <paramref name="keys"/> keys (every 7th a tombstone when asked), then makes them cleanable.</summary>
    private static void Fill(LogHarness h, int count, int keys, bool tombstones = false, int seed = 1)
    {
        var random = new Random(seed);
        for (var i = 0; i < count;)
        {
            var n = Math.Min(random.Next(1, 5), count - i);
            var records = Enumerable.Range(i, n)
                .Select(j => new TestRecord($"key{random.Next(keys)}", tombstones && j % 7 == 0 ? null : $"value{j}", h.Clock.NowMs))
                .ToList();
            h.Log.Append(TestBatch.Build(records));
            i += n;
        }
        h.Log.Roll();
        h.Log.Flush();
    }

    /// <summary>The latest record of each key among <paramref name="records"/>.</summary>
    private static Dictionary<string, (long Offset, string? Value)> Latest(IEnumerable<(long Offset, string? Key, string? Value, long Timestamp)> records) =>
        records.Where(r => r.Key is not null).GroupBy(r => r.Key!).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Offset).Select(r => (r.Offset, r.Value)).Last());

    [Fact]
    public void Keeps_the_latest_record_of_each_key_and_nothing_older()
    {
        using var h = new LogHarness(Compacted);
        Fill(h, 600, 20);
        var before = h.ReadRecords();
        var end = h.Log.LogEndOffset;
        var result = h.Manager.Cleaner.Clean(h.Log, force: true);
        Assert.NotNull(result);
        Assert.True(result.Value.BytesAfter < result.Value.BytesBefore / 5);
        var after = h.ReadRecords();
        Assert.Equal(Latest(before).OrderBy(kv => kv.Key), Latest(after).OrderBy(kv => kv.Key));
        Assert.Equal(20, after.Count);
        Assert.All(after, r => Assert.Contains(r, before));
        Assert.Equal(end, h.Log.LogEndOffset);
        RecoveryTests.AssertConsistent(h);
        // Appends carry on after the swap, and a restart finds the compacted log as it was.
        Assert.Equal(end, h.Append().FirstOffset);
        h.Restart();
        Assert.Equal([.. after, .. h.ReadRecords().Skip(after.Count)], h.ReadRecords());
    }

    /// <summary>
    /// A segment compaction emptied keeps one header-only batch; a read must not answer with only such batches while
    /// records follow (librdkafka reports that as "message too large to fetch" and stops).
    /// </summary>
    [Fact]
    public void Reads_at_every_offset_start_with_a_batch_that_has_records()
    {
        using var h = new LogHarness(Compacted);
        Fill(h, 1500, 10);
        h.Append();
        h.Manager.Cleaner.Clean(h.Log, force: true);
        for (var offset = h.Log.LogStartOffset; offset < h.Log.LogEndOffset; offset++)
        {
            using var read = h.Log.Read(offset, 1 << 20);
            var bytes = new byte[read.Length];
            read.CopyTo(bytes);
            Assert.True(Protocol.Records.RecordBatchHeader.TryRead(bytes, out var first), $"nothing read at {offset}");
            Assert.True(first.RecordCount > 0, $"the read at {offset} starts with an empty batch at {first.BaseOffset}");
            Assert.True(first.LastOffset >= offset);
        }
    }

    [Fact]
    public void Tombstones_stay_for_delete_retention_ms_then_go()
    {
        using var h = new LogHarness(Compacted);
        Fill(h, 300, 10, tombstones: true);
        var latest = Latest(h.ReadRecords());
        var deleted = latest.Where(kv => kv.Value.Value is null).Select(kv => kv.Key).ToList();
        Assert.NotEmpty(deleted);
        h.Manager.Cleaner.Clean(h.Log, force: true);
        Assert.Equal(latest.OrderBy(kv => kv.Key), Latest(h.ReadRecords()).OrderBy(kv => kv.Key));
        h.Clock.Advance(60_001);
        h.Manager.Cleaner.Clean(h.Log, force: true);
        var after = Latest(h.ReadRecords());
        Assert.All(deleted, key => Assert.False(after.ContainsKey(key)));
        Assert.Equal(latest.Where(kv => kv.Value.Value is not null).OrderBy(kv => kv.Key), after.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Never_touches_the_active_segment_or_young_segments()
    {
        using var h = new LogHarness(Compacted with { MinCompactionLagMs = 10_000 });
        Fill(h, 200, 5);
        var before = h.ReadRecords();
        Assert.Null(h.Manager.Cleaner.Clean(h.Log, force: true));
        Assert.Equal(before, h.ReadRecords());
        h.Clock.Advance(10_001);
        Assert.NotNull(h.Manager.Cleaner.Clean(h.Log, force: true));
        Assert.True(h.ReadRecords().Count < before.Count);
    }

    [Fact]
    public void A_crash_at_any_point_of_compaction_leaves_the_old_or_the_new_segments()
    {
        for (var crashAt = 1; crashAt < 60; crashAt++)
        {
            using var h = new LogHarness(Compacted);
            Fill(h, 250, 15);
            var before = h.ReadRecords();
            h.Fs.CrashAfterOperations = crashAt;
            var crashed = false;
            try
            {
                h.Manager.Cleaner.Clean(h.Log, force: true);
            }
            catch (Exception e) when (e is IOException or StorageException)
            {
                crashed = true;
            }
            crashed |= h.Fs.CrashAfterOperations is 0;
            h.CrashAndRestart();
            var after = h.ReadRecords();
            // Each group of segments is swapped atomically (old or new set); across groups a mix is fine as long as
            // every key's latest record is there and nothing appears that was not there before.
            Assert.Equal(Latest(before).OrderBy(kv => kv.Key), Latest(after).OrderBy(kv => kv.Key));
            Assert.All(after, r => Assert.Contains(r, before));
            Assert.DoesNotContain(h.Fs.ListFiles(LogHarness.PartitionDir), p => p.EndsWith(".swap", StringComparison.Ordinal) || p.EndsWith(".cleaned", StringComparison.Ordinal));
            RecoveryTests.AssertConsistent(h);
            if (!crashed)
                break;
        }
    }

    [Fact]
    public async Task Appends_and_reads_go_on_while_compaction_runs()
    {
        using var h = new LogHarness(Compacted);
        Fill(h, 1000, 30);
        var log = h.Log;
        using var stop = new CancellationTokenSource();
        var appended = 0;
        var reads = 0;
        var appender = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                log.Append(TestBatch.Build(2, 0, keyPrefix: "live"));
                if (Interlocked.Increment(ref appended) % 50 == 0)
                {
                    log.Roll();
                    log.Flush();
                }
            }
        });
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var read = log.Read(log.LogStartOffset, 4096);
                Assert.False(read.IsEmpty);
                Interlocked.Increment(ref reads);
            }
        });
        // Compact over and over until both sides have done real work alongside it (bounded, no sleeps).
        var passes = 0;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((passes < 5 || Volatile.Read(ref appended) < 300 || Volatile.Read(ref reads) < 300) && DateTime.UtcNow < deadline)
        {
            h.Manager.Cleaner.Clean(log, force: true);
            passes++;
        }
        await stop.CancelAsync();
        await Task.WhenAll(appender, reader);
        Assert.True(appended >= 300 && reads >= 300, $"{appended} appends, {reads} reads");
        var records = h.ReadRecords();
        Assert.True(records.Zip(records.Skip(1)).All(p => p.First.Offset < p.Second.Offset));
        RecoveryTests.AssertConsistent(h);
    }
}
