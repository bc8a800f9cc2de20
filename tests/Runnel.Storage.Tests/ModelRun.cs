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
            case < 45: Append(); break;
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
            buffer.AddRange(TestBatch.Build(n, _h.Clock.NowMs + _random.Next(-1000, 1000), _random.Next(0, 200)));
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
        Assert.Equal(got[^1].Last + 1, result.NextOffset);
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
            var straddler = _batches.First(b => b.Last >= target);
            _batches.RemoveAll(b => b.Last >= target);
            _end = Math.Min(target, straddler.Base);
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
        Assert.True(Log.LogStartOffset == _start || Log.LogStartOffset == _end || _batches.Any(b => b.Base == Log.LogStartOffset), "start is not a batch boundary");
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

    private void Crash()
    {
        var torn = _random.Next(2) == 0;
        History.Add(torn ? "crash (torn write-back)" : "crash");
        _h.Fs.CapacityBytes = null;
        _h.CrashAndRestart(torn ? _random : null);
        var end = Log.LogEndOffset;
        Assert.True(end >= _durableEnd, $"lost fsynced data: end {end} < durable {_durableEnd}");
        if (_start > end)
        {
            // DeleteRecords was persisted, the data after it was not: the log restarts empty at the start offset.
            Assert.Equal(_start, end);
            _batches.Clear();
            _end = _durableEnd = end;
            return;
        }
        Assert.True(end <= _end, $"invented data: end {end} > {_end}");
        Assert.True(end == _start || end == _end || _batches.Any(b => b.Last + 1 == end), "recovered end is not a batch boundary");
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

    public void Dispose() => _h.Dispose();
}
