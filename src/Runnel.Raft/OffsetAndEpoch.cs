namespace Runnel.Raft;

/// <summary>
/// A position in the replicated log named by the epoch of the leader that wrote it. Two logs that hold an entry at
/// the same offset with the same epoch hold the same entries up to it (the log matching property), which is why
/// followers send their last epoch with every fetch. Ordered by epoch, then offset: Raft's "at least as up to date".
/// </summary>
public readonly record struct OffsetAndEpoch(long Offset, int Epoch) : IComparable<OffsetAndEpoch>
{
    public static readonly OffsetAndEpoch Zero = new(0, 0);

    public int CompareTo(OffsetAndEpoch other)
        => Epoch != other.Epoch ? Epoch.CompareTo(other.Epoch) : Offset.CompareTo(other.Offset);

    public static bool operator <(OffsetAndEpoch left, OffsetAndEpoch right) => left.CompareTo(right) < 0;

    public static bool operator >(OffsetAndEpoch left, OffsetAndEpoch right) => left.CompareTo(right) > 0;

    public static bool operator <=(OffsetAndEpoch left, OffsetAndEpoch right) => left.CompareTo(right) <= 0;

    public static bool operator >=(OffsetAndEpoch left, OffsetAndEpoch right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{Offset}@{Epoch}";
}
