using System.Globalization;

namespace Runnel.Storage.Segments;

/// <summary>
/// Kafka's file naming inside a partition directory: the segment's base offset as 20 digits, then the kind.
/// Suffixes mark files in flight: <c>.cleaned</c> (compaction output not yet committed), <c>.swap</c> (committed
/// compaction output replacing older segments), <c>.deleted</c> and <c>.tmp</c> (leftovers to remove).
/// </summary>
internal static class SegmentFiles
{
    public const string LogSuffix = ".log";
    public const string IndexSuffix = ".index";
    public const string TimeIndexSuffix = ".timeindex";
    public const string TxnIndexSuffix = ".txnindex";
    public const string CleanedSuffix = ".cleaned";
    public const string SwapSuffix = ".swap";
    public const string DeletedSuffix = ".deleted";
    public const string TempSuffix = ".tmp";

    /// <summary>
    /// The most a compressed batch may inflate to when storage reads its records (compaction, timestamp lookups);
    /// bounds memory against a compression bomb that slipped past the broker's checks.
    /// </summary>
    public const int MaxUncompressedBatchBytes = 256 * 1024 * 1024;

    public static string Name(long baseOffset) => baseOffset.ToString("D20", CultureInfo.InvariantCulture);

    public static string LogPath(string dir, long baseOffset, string suffix = "") => Path.Combine(dir, Name(baseOffset) + LogSuffix + suffix);

    public static string IndexPath(string dir, long baseOffset, string suffix = "") => Path.Combine(dir, Name(baseOffset) + IndexSuffix + suffix);

    public static string TimeIndexPath(string dir, long baseOffset, string suffix = "") => Path.Combine(dir, Name(baseOffset) + TimeIndexSuffix + suffix);

    public static string TxnIndexPath(string dir, long baseOffset, string suffix = "") => Path.Combine(dir, Name(baseOffset) + TxnIndexSuffix + suffix);

    /// <summary>Deletes a segment's log and index files (those that exist).</summary>
    public static void DeleteAll(IO.IFileSystem fs, string dir, long baseOffset)
    {
        fs.DeleteFile(LogPath(dir, baseOffset));
        fs.DeleteFile(IndexPath(dir, baseOffset));
        fs.DeleteFile(TimeIndexPath(dir, baseOffset));
        fs.DeleteFile(TxnIndexPath(dir, baseOffset));
    }

    /// <summary>Parses "00000000000000000042.log" (after removing <paramref name="suffix"/>) into 42.</summary>
    public static bool TryParseBaseOffset(string path, string kind, string suffix, out long baseOffset)
    {
        var name = Path.GetFileName(path);
        baseOffset = -1;
        if (!name.EndsWith(kind + suffix, StringComparison.Ordinal))
            return false;
        var digits = name[..^(kind.Length + suffix.Length)];
        return digits.Length == 20 && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out baseOffset);
    }
}
