using System.Diagnostics;
using System.Globalization;

namespace Runnel.Storage.Tests;

/// <summary>
/// The real thing: a child process appends with group commit on the real file system and is killed with SIGKILL.
/// Every offset it printed (acknowledged as fsynced) must be there on reopen, offsets contiguous, indexes agreeing.
/// </summary>
public sealed class CrashProcessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "runnel-crash-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Acknowledged_appends_survive_SIGKILL()
    {
        const int appenders = 3;
        // The project reference builds the writer next to us: same bin/<configuration>/<framework> layout.
        var writer = Path.Combine(AppContext.BaseDirectory.Replace("Runnel.Storage.Tests", "Runnel.Storage.CrashWriter", StringComparison.Ordinal),
            "Runnel.Storage.CrashWriter.dll");
        Assert.True(File.Exists(writer), $"build the CrashWriter first: {writer}");
        var acked = new long[appenders];
        Array.Fill(acked, -1);
        for (var round = 0; round < 3; round++)
        {
            var psi = new ProcessStartInfo("dotnet", [writer, _dir, appenders.ToString(CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var child = Process.Start(psi)!;
            var lines = 0;
            var deadline = Stopwatch.StartNew();
            // Kill after a random-ish number of acknowledgements, mid-stream.
            var target = 300 + round * 250;
            while (lines < target && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                var line = child.StandardOutput.ReadLine();
                if (line is null)
                    break;
                var parts = line.Split(' ');
                var p = int.Parse(parts[0], CultureInfo.InvariantCulture);
                acked[p] = Math.Max(acked[p], long.Parse(parts[1], CultureInfo.InvariantCulture));
                lines++;
            }
            child.Kill(); // SIGKILL on Unix
            child.WaitForExit(10_000);
            Assert.True(lines >= target, $"round {round}: only {lines} acknowledgements; stderr: {child.StandardError.ReadToEnd()}");
            Verify(acked);
        }
    }

    private void Verify(long[] acked)
    {
        using var manager = LogManager.Open(new LogManagerOptions { LogDirs = [_dir], Durability = DurabilityMode.PageCache });
        for (var p = 0; p < acked.Length; p++)
        {
            var log = manager.GetLog(new TopicPartition("crash", p));
            Assert.NotNull(log);
            Assert.True(log.LogEndOffset > acked[p], $"partition {p}: log ends at {log.LogEndOffset}, acknowledged {acked[p]}");
            var next = log.LogStartOffset;
            while (next < log.LogEndOffset)
            {
                using var read = log.Read(next, 1 << 20);
                foreach (var batch in TestBatch.Split(AppendReadTests.ReadBytes(read)))
                {
                    Assert.Equal(next, batch.Base);
                    next = batch.Last + 1;
                }
            }
            foreach (var segment in log.Segments)
            {
                foreach (var entry in segment.OffsetIndex.Entries)
                {
                    Assert.True(segment.TryReadHeader(entry.Position, segment.Size, out var header));
                    Assert.Equal(segment.BaseOffset + entry.RelativeOffset, header.BaseOffset);
                }
            }
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }
}
