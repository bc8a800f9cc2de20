namespace Runnel.Storage.Tests;

/// <summary>One seeded run of <see cref="RandomOperationTests"/>: the log under test and the model it must match.</summary>
internal sealed class ModelRun : IDisposable
{
    private readonly Random _random;
    private readonly LogHarness _h;
    private readonly List<(long Base, long Last, byte[] Bytes)> _batches = [];
    private long _start;
    private long _end;
    private long _durableEnd;

    public ModelRun(int seed)
    {
        _random = new Random(seed);
        var config = LogConfig.Default with
        {
            SegmentBytes = _random.Next(600, 6000),
            IndexIntervalBytes = _random.Next(0, 800),
            SegmentIndexBytes = _random.Next(3) == 0 ? 48 : 10 * 1024 * 1024,
            RetentionMs = -1,
            // Half the seeds run a compacted topic (compact,delete keeps retention in play), with small key spaces.
            CleanupPolicy = seed % 2 == 0 ? CleanupPolicy.Compact | CleanupPolicy.Delete : CleanupPolicy.Delete,
            DeleteRetentionMs = _random.Next(0, 20_000),
        };
        _h = new LogHarness(config);
    }

    public int Step { get; set; }

    public List<string> History { get; } = [];

    private PartitionLog Log => _h.Log;

    public void DoRandomOperation()
    {
        var roll = _random.Next(100);
        switch (roll)
        {
            case < 42: Append(); break;
            case < 45: Compact(); break;
            case < 60: Read(); break;
            case < 64: Op("roll", Log.Roll); break;
            case < 70: Flush(); break;
            case < 73: Truncate(); break;
            case < 76: DeleteRecords(); break;
            case < 79: Retention(); break;
            case < 82: DiskFull(); break;
            case < 84: FailingWrite(); break;
            case < 90: Crash(); break;
            case < 93: Restart(); break;
            default: _h.Clock.Advance(_random.Next(1, 5000)); History.Add("tick"); break;
        }
    }

    private void Op(string name, Action action)
    {
        History.Add(name);
        action();
    }

    private void Append()
    {
        var count = _random.Next(1, 4);
        var buffer = new List<byte>();
        var records = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var n = _random.Next(1, 6);
            records.Add(n);
            var timestamp = _h.Clock.NowMs + _random.Next(-1000, 1000);
            var valueBytes = _random.Next(0, 200);
            buffer.AddRange(TestBatch.Build([.. Enumerable.Range(0, n).Select(j => new TestRecord(
                $"k{_random.Next(12)}", _random.Next(10) == 0 ? null : new string('v', valueBytes), timestamp + j))]));
        }
        var bytes = buffer.ToArray();
        History.Add($"append {count} batches");
        try
        {
            var info = Log.Append(bytes);
            Assert.Equal(_end, info.FirstOffset);
        }
        catch (StorageException e) when (e.Kind is StorageErrorKind.DiskFull or StorageErrorKind.IoError)
        {
            History.Add($"append failed: {e.Kind}");
            Assert.Equal(_end, Log.LogEndOffset);
            return;
        }
        var pos = 0;
        foreach (var (b, last, size) in TestBatch.Split(bytes))
        {
            _batches.Add((b, last, bytes[pos..(pos + size)]));
            pos += size;
        }
        _end = _batches[^1].Last + 1;
    }

    private void Read()
    {
        if (_end == _start)
            return;
        var offset = _random.NextInt64(_start, _end + 1);
        var maxBytes = _random.Next(1, 3000);
        var bound = _random.Next(2) == 0 ? long.MaxValue : _random.NextInt64(offset, _end + 1);
        History.Add($"read {offset} max {maxBytes} bound {bound}");
        using var result = Log.Read(offset, maxBytes, bound);
        var expected = _batches.Where(b => b.Last >= offset && b.Last < Math.Min(bound, _end)).ToList();
        if (result.IsEmpty)
        {
            // Empty only when nothing qualifies (or the first batch is too big without min-one... which is on).
            Assert.Empty(expected);
            return;
        }
        var bytes = AppendReadTests.ReadBytes(result);
        var got = TestBatch.Split(bytes);
        Assert.True(got.Count <= expected.Count);
        Assert.True(got.Count == 1 || bytes.Length <= maxBytes, "over max bytes");
        // A sequential reader continues after the last batch returned, and never past the next one.
        Assert.InRange(result.NextOffset, got[^1].Last + 1, expected.Count > got.Count ? expected[got.Count].Base : _end);
        var pos = 0;
        for (var i = 0; i < got.Count; i++)
        {
            Assert.Equal(expected[i].Bytes, bytes[pos..(pos + got[i].Size)]);
            pos += got[i].Size;
        }
    }

    private void Flush()
    {
        History.Add("flush");
        try
        {
            Log.Flush();
            _durableEnd = _end;
        }
        catch (StorageException e) when (e.Kind is StorageErrorKind.IoError)
        {
            Crash();
        }
    }

    private void Truncate()
    {
        var target = _random.NextInt64(_start, _end + 1);
        var fully = target <= Log.Segments[0].BaseOffset;
        History.Add($"truncate {target}{(fully ? " fully" : "")}");
        _h.Fs.CapacityBytes = null; // a truncation on a full disk is covered by the fault tests
        Log.TruncateTo(target);
        if (target >= _end)
            return;
        if (fully)
        {
            _batches.Clear();
            _start = _end = target;
        }
        else
        {
            // The log end becomes one past the last batch kept (or, with none left, the base of the segment kept).
            _batches.RemoveAll(b => b.Last >= target);
            // An empty segment the model does not see may hold the end above the last batch; never above the target.
            Assert.InRange(Log.LogEndOffset, _batches.Count > 0 ? _batches[^1].Last + 1 : 0, target);
            _end = Log.LogEndOffset;
            _start = Math.Min(_start, _end);
        }
        _durableEnd = Math.Min(_durableEnd, _end);
    }

    private void DeleteRecords()
    {
        var target = _random.NextInt64(_start, _end + 1);
        History.Add($"delete records {target}");
        try
        {
            _h.Manager.DeleteRecords(LogHarness.Tp, target);
            _start = Math.Max(_start, target);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.DiskFull)
        {
            // The start offset could not be persisted, so it did not move.
            History.Add("delete records failed: disk full");
        }
    }

    private void Retention()
    {
        var bytes = _random.Next(0, 8000);
        History.Add($"retention.bytes {bytes}");
        Log.Config = Log.Config with { RetentionBytes = bytes };
        try
        {
            Log.DeleteOldSegments();
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.DiskFull)
        {
            History.Add("retention failed: disk full");
        }
        Log.Config = Log.Config with { RetentionBytes = -1 };
        Assert.True(Log.LogStartOffset >= _start);
        // Retention moves the start to a segment's base offset: never into the middle of a batch.
        Assert.True(Log.LogStartOffset == _start || !_batches.Any(b => b.Base < Log.LogStartOffset && Log.LogStartOffset <= b.Last), "start is inside a batch");
        _start = Log.LogStartOffset;
    }

    private void DiskFull()
    {
        if (_h.Fs.CapacityBytes is null)
        {
            _h.Fs.CapacityBytes = _h.Fs.UsedBytes + _random.Next(0, 1500);
            History.Add("disk full");
        }
        else
        {
            _h.Fs.CapacityBytes = null;
            History.Add("disk freed");
        }
    }

    private void FailingWrite()
    {
        var remaining = _random.Next(1, 4);
        _h.Fs.FailWrite = path => path.EndsWith(".log", StringComparison.Ordinal) && --remaining == 0;
        History.Add("fail a write");
        Append();
        _h.Fs.FailWrite = null;
    }

    private void Compact()
    {
        if (!Log.Config.Compact)
            return;
        var crashAt = _random.Next(3) == 0 ? _random.Next(1, 30) : (int?)null;
        History.Add($"compact{(crashAt is null ? "" : $" crashing after {crashAt} operations")}");
        var before = _h.ReadRecords();
        var horizon = _h.Clock.NowMs - Log.Config.DeleteRetentionMs;
        _h.Fs.CapacityBytes = null;
        _h.Fs.CrashAfterOperations = crashAt;
        try
        {
            _h.Manager.Cleaner.Clean(Log, force: true);
        }
        catch (Exception e) when (e is IOException or StorageException)
        {
            History.Add("compaction crashed");
        }
        var died = _h.Fs.CrashAfterOperations == 0;
        _h.Fs.CrashAfterOperations = null;
        if (died)
        {
            // The process died mid-compaction: what was never fsynced goes too, as in any crash.
            Crash();
            before = [.. before.Where(r => r.Offset < Log.LogEndOffset)];
        }
        var after = _h.ReadRecords();
        // Nothing new appears, and each key keeps its latest record unless that is a tombstone past delete.retention.ms.
        Assert.All(after, r => Assert.Contains(r, before));
        foreach (var latest in before.Where(r => r.Key is not null).GroupBy(r => r.Key).Select(g => g.MaxBy(r => r.Offset)))
        {
            if (latest.Value is not null || latest.Timestamp >= horizon)
                Assert.Contains(latest, after);
        }
        // The compacted log becomes the model.
        _batches.Clear();
        var offset = Log.LogStartOffset;
        while (offset < Log.LogEndOffset)
        {
            using var read = Log.Read(offset, 1 << 20);
            if (read.IsEmpty)
                break;
            var bytes = AppendReadTests.ReadBytes(read);
            var pos = 0;
            foreach (var (b, last, size) in TestBatch.Split(bytes))
            {
                _batches.Add((b, last, bytes[pos..(pos + size)]));
                pos += size;
            }
            offset = read.NextOffset;
        }
    }

    private void Crash()
    {
        var torn = _random.Next(2) == 0;
        History.Add(torn ? "crash (torn write-back)" : "crash");
        _h.Fs.CapacityBytes = null;
        _h.CrashAndRestart(torn ? _random : null);
        var end = Log.LogEndOffset;
        // What was fsynced survives: every batch below the durable end (the end itself may sit in a gap).
        var durableBatchEnd = _batches.Where(b => b.Last < _durableEnd).Select(b => b.Last + 1).DefaultIfEmpty(_start).Max();
        Assert.True(end >= durableBatchEnd, $"lost fsynced data: end {end} < durable {durableBatchEnd}");
        if (_start >= end)
        {
            // DeleteRecords was persisted, the data after it was not: the log restarts empty at the start offset.
            Assert.Equal(_start, end);
            _batches.Clear();
            _end = _durableEnd = end;
            return;
        }
        Assert.True(end <= _end, $"invented data: end {end} > {_end}");
        Assert.True(!_batches.Any(b => b.Base < end && end <= b.Last), "recovered end is inside a batch");
        _batches.RemoveAll(b => b.Last >= end);
        _end = end;
        _durableEnd = Math.Max(_durableEnd, Log.RecoveryPoint);
    }

    private void Restart()
    {
        History.Add("restart");
        _h.Fs.CapacityBytes = null;
        _h.Restart();
        _durableEnd = _end;
    }

    public void CheckBounds()
    {
        Assert.Equal(_end, Log.LogEndOffset);
        Assert.Equal(_start, Log.LogStartOffset);
    }

    public void CheckEverything()
    {
        CheckBounds();
        var all = _h.ReadAll();
        var expected = _batches.Where(b => b.Last >= _start).Select(b => (b.Base, b.Last)).ToList();
        Assert.Equal(expected, all.Select(b => (b.Base, b.Last)).ToList());
        RecoveryTests.AssertConsistent(_h);
    }

    public string Describe() =>
        $"log [{Log.LogStartOffset}, {Log.LogEndOffset}) segments {string.Join(" ", Log.Segments.Select(s => $"{s.BaseOffset}..{s.NextOffset}:{s.Size}"))}; "
        + $"model [{_start}, {_end}) batches {string.Join(" ", _batches.TakeLast(12).Select(b => $"{b.Base}-{b.Last}"))}";

    public string DrainMessages()
    {
        var text = string.Join(" | ", _h.Messages);
        _h.Messages.Clear();
        return text;
    }

    public void Dispose() => _h.Dispose();
}
