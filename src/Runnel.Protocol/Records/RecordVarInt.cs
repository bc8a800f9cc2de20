using System.Runtime.CompilerServices;

namespace Runnel.Protocol.Records;

/// <summary>
/// Bounds-checked zigzag varint reads for the record walk. They report failure instead of throwing, accept what
/// Kafka's ByteUtils accepts (at most five bytes for an int, ten for a long, overflowing bits dropped) and keep the
/// one-byte case inline because most record fields (attributes aside) fit in one byte.
/// </summary>
internal static class RecordVarInt
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> span, ref int position, out int value)
    {
        var p = position;
        if ((uint)p < (uint)span.Length)
        {
            uint b = span[p];
            if (b < 0x80)
            {
                position = p + 1;
                value = (int)(b >> 1) ^ -(int)(b & 1);
                return true;
            }
        }
        return TryReadSlow(span, ref position, out value);
    }

    private static bool TryReadSlow(ReadOnlySpan<byte> span, ref int position, out int value)
    {
        uint raw = 0;
        var p = position;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if ((uint)p >= (uint)span.Length)
                break;
            uint b = span[p++];
            raw |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                position = p;
                value = (int)(raw >> 1) ^ -(int)(raw & 1);
                return true;
            }
        }
        value = 0;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadLong(ReadOnlySpan<byte> span, ref int position, out long value)
    {
        var p = position;
        if ((uint)p < (uint)span.Length)
        {
            ulong b = span[p];
            if (b < 0x80)
            {
                position = p + 1;
                value = (long)(b >> 1) ^ -(long)(b & 1);
                return true;
            }
        }
        return TryReadLongSlow(span, ref position, out value);
    }

    private static bool TryReadLongSlow(ReadOnlySpan<byte> span, ref int position, out long value)
    {
        ulong raw = 0;
        var p = position;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if ((uint)p >= (uint)span.Length)
                break;
            ulong b = span[p++];
            raw |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                position = p;
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                return true;
            }
        }
        value = 0;
        return false;
    }

    /// <summary>Reads a length of -1 (null) or 0..what remains; anything else is malformed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadLength(ReadOnlySpan<byte> span, ref int position, out int length)
        => TryRead(span, ref position, out length) && length >= -1 && length <= span.Length - position;
}
