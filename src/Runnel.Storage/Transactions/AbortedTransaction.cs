using System.Buffers.Binary;

namespace Runnel.Storage.Transactions;

/// <summary>
/// One entry of a segment's transaction index (Kafka's AbortedTxn): a producer's aborted transaction on this
/// partition, from its first data offset to the offset of its abort marker, and the last stable offset when the
/// marker was written. On disk: version int16 (0), producerId, firstOffset, lastOffset, lastStableOffset (int64 each),
/// big-endian, 34 bytes.
/// </summary>
public readonly record struct AbortedTransaction(long ProducerId, long FirstOffset, long LastOffset, long LastStableOffset)
{
    public const int Size = 34;
    public const short CurrentVersion = 0;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, CurrentVersion);
        BinaryPrimitives.WriteInt64BigEndian(destination[2..], ProducerId);
        BinaryPrimitives.WriteInt64BigEndian(destination[10..], FirstOffset);
        BinaryPrimitives.WriteInt64BigEndian(destination[18..], LastOffset);
        BinaryPrimitives.WriteInt64BigEndian(destination[26..], LastStableOffset);
    }

    /// <summary>Reads one entry; false when its version is newer than this code knows.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out AbortedTransaction entry)
    {
        entry = default;
        if (source.Length < Size || BinaryPrimitives.ReadInt16BigEndian(source) > CurrentVersion)
            return false;
        entry = new AbortedTransaction(BinaryPrimitives.ReadInt64BigEndian(source[2..]), BinaryPrimitives.ReadInt64BigEndian(source[10..]),
            BinaryPrimitives.ReadInt64BigEndian(source[18..]), BinaryPrimitives.ReadInt64BigEndian(source[26..]));
        return true;
    }
}
