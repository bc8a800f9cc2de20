using System.Diagnostics;
using System.Globalization;

namespace Runnel.Cli.Output;

/// <summary>
/// A one-line counter on stderr, redrawn at most four times a second, and a summary at the end — only when stderr
/// is a terminal, so piped and scripted runs print nothing extra.
/// </summary>
internal sealed class Progress(CliConsole console, string verb, bool live)
{
    private static readonly long RedrawTicks = Stopwatch.Frequency / 4;

    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private readonly bool _enabled = console.ErrorIsTerminal;
    private readonly bool _live = live && console.ErrorIsTerminal;
    private long _lastDrawn;
    private bool _drawn;

    public long Records { get; private set; }

    public long Bytes { get; private set; }

    public void Add(long records, long bytes)
    {
        Records += records;
        Bytes += bytes;
        if (!_live || _elapsed.ElapsedTicks - _lastDrawn < RedrawTicks)
            return;
        _lastDrawn = _elapsed.ElapsedTicks;
        _drawn = true;
        console.Error.Write($"\r\u001b[2K{verb} {Describe()}");
    }

    /// <summary>Clears the live line and prints the summary (extra text such as failures may follow).</summary>
    public void Finish(string? extra = null)
    {
        if (_drawn)
            console.Error.Write("\r\u001b[2K");
        if (_enabled)
            console.Error.WriteLine($"{verb} {Describe()}{extra}");
    }

    private string Describe()
    {
        var seconds = Math.Max(_elapsed.Elapsed.TotalSeconds, 0.001);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Records} records ({FormatBytes(Bytes)}) in {seconds:0.0} s, {Records / seconds:0} records/s");
    }

    internal static string FormatBytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
    };
}
