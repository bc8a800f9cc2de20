namespace Runnel.Protocol.Generator.Model;

/// <summary>An inclusive range of protocol versions: "3+", "0-2", "5" or "none".</summary>
public readonly record struct VersionRange(short Low, short High)
{
    public const short Unbounded = short.MaxValue;

    public static readonly VersionRange None = new(1, 0);

    public static readonly VersionRange All = new(0, Unbounded);

    public bool IsEmpty => Low > High;

    public bool Contains(short version) => version >= Low && version <= High;

    /// <summary>True when every version of <paramref name="other"/> is in this range.</summary>
    public bool Covers(VersionRange other) => other.IsEmpty || (Low <= other.Low && High >= other.High);

    public VersionRange Intersect(VersionRange other)
    {
        var low = Math.Max(Low, other.Low);
        var high = Math.Min(High, other.High);
        return low > high ? None : new VersionRange((short)low, (short)high);
    }

    public static VersionRange Parse(string text)
    {
        text = text.Trim();
        if (text == "none")
            return None;
        if (text.EndsWith('+'))
            return new VersionRange(short.Parse(text[..^1], System.Globalization.CultureInfo.InvariantCulture), Unbounded);
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            var single = short.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
            return new VersionRange(single, single);
        }
        return new VersionRange(
            short.Parse(text[..dash], System.Globalization.CultureInfo.InvariantCulture),
            short.Parse(text[(dash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public override string ToString()
        => IsEmpty ? "none" : High == Unbounded ? $"{Low}+" : Low == High ? $"{Low}" : $"{Low}-{High}";
}
