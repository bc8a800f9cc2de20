using System.Runtime.CompilerServices;

namespace Runnel.Protocol.Records;

/// <summary>Where one record's fields lie within the records section; lengths are -1 for null.</summary>
internal struct RecordFields
{
    public long TimestampDelta;
    public int OffsetDelta;
    public int Start;
    public int BodyStart;
    public int KeyStart;
    public int KeyLength;
    public int ValueStart;
    public int ValueLength;
    public int HeadersStart;
    public int HeaderCount;
    public int End;

    /// <summary>The numbers a failure reports (which header, how many bytes).</summary>
    public int DetailA;
    public int DetailB;
}

/// <summary>
/// The record walk shared by the enumerator and the validator, tuned because it runs over every produced byte:
/// positions stay in registers (helpers take and return them by value), the one-byte varint case is inline, and
/// nothing is sliced until a caller asks for a key or value. Checks follow DefaultRecord.readFrom: the length fits,
/// key/value/header lengths are -1 or fit, the header count is sane, and the fields end where the length says.
/// </summary>
internal static class RecordParser
{
    /// <summary>attributes, timestampDelta, offsetDelta, keyLength, valueLength and headerCount take a byte each at least.</summary>
    public const int MinBodySize = 6;

    /// <summary>Parses the record at <paramref name="start"/> (which must be inside the span).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ProblemKind Parse(ReadOnlySpan<byte> records, int start, out RecordFields f)
    {
        f = default;
        f.Start = start;
        int length;
        var p = start;
        uint b = records[p];
        if (b < 0x80)
        {
            length = ZigZag(b);
            p++;
        }
        else if ((p = ReadVarIntSlow(records, p, records.Length, out length)) < 0)
        {
            return ProblemKind.RecordLengthUnreadable;
        }
        if (length < MinBodySize || length > records.Length - p)
        {
            f.DetailA = length;
            f.DetailB = records.Length - p;
            return ProblemKind.RecordLengthDoesNotFit;
        }
        var end = p + length;
        f.BodyStart = p;
        f.End = end;

        // Six one-byte minimum fields fit in the body, so the first three reads need no bounds check of their own.
        var q = p + 1;
        b = records[q];
        if (b < 0x80)
        {
            f.TimestampDelta = ZigZag(b);
            q++;
        }
        else if ((q = ReadVarLongSlow(records, q, end, out f.TimestampDelta)) < 0)
        {
            return ProblemKind.DeltasUnreadable;
        }
        if ((q = ReadVarInt(records, q, end, out f.OffsetDelta)) < 0)
            return ProblemKind.DeltasUnreadable;
        if ((q = ReadLength(records, q, end, out f.KeyLength)) < 0)
            return ProblemKind.KeyLength;
        f.KeyStart = q;
        if (f.KeyLength > 0)
            q += f.KeyLength;
        if ((q = ReadLength(records, q, end, out f.ValueLength)) < 0)
            return ProblemKind.ValueLength;
        f.ValueStart = q;
        if (f.ValueLength > 0)
            q += f.ValueLength;
        var countAt = q;
        if ((q = ReadVarInt(records, q, end, out f.HeaderCount)) < 0 || f.HeaderCount < 0 || f.HeaderCount > (end - q) / 2)
        {
            f.DetailA = f.HeaderCount;
            f.DetailB = end - countAt;
            return ProblemKind.HeaderCount;
        }
        f.HeadersStart = q;
        for (var i = 0; i < f.HeaderCount; i++)
        {
            f.DetailA = i;
            if ((q = ReadLength(records, q, end, out var keyLength)) < 0 || keyLength < 0)
                return ProblemKind.HeaderKey;
            q += keyLength;
            if ((q = ReadLength(records, q, end, out var valueLength)) < 0)
                return ProblemKind.HeaderValue;
            if (valueLength > 0)
                q += valueLength;
        }
        if (q != end)
        {
            f.DetailA = q - p;
            f.DetailB = length;
            return ProblemKind.FieldsMismatch;
        }
        return ProblemKind.None;
    }

    /// <summary>Reads a length of -1 (null) or 0..what is left before <paramref name="end"/>; returns the new position or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadLength(ReadOnlySpan<byte> span, int position, int end, out int length)
    {
        position = ReadVarInt(span, position, end, out length);
        return position >= 0 && length >= -1 && length <= end - position ? position : -1;
    }

    /// <summary>Reads a zigzag varint before <paramref name="end"/>; returns the new position or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadVarInt(ReadOnlySpan<byte> span, int position, int end, out int value)
    {
        if ((uint)position < (uint)end)
        {
            uint b = span[position];
            if (b < 0x80)
            {
                value = ZigZag(b);
                return position + 1;
            }
        }
        return ReadVarIntSlow(span, position, end, out value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ZigZag(uint raw) => (int)(raw >> 1) ^ -(int)(raw & 1);

    // Kafka's ByteUtils reads at most five bytes for an int (ten for a long) and drops bits that overflow.
    private static int ReadVarIntSlow(ReadOnlySpan<byte> span, int position, int end, out int value)
    {
        uint raw = 0;
        for (var shift = 0; shift < 35 && (uint)position < (uint)end; shift += 7)
        {
            uint b = span[position++];
            raw |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                value = ZigZag(raw);
                return position;
            }
        }
        value = 0;
        return -1;
    }

    private static int ReadVarLongSlow(ReadOnlySpan<byte> span, int position, int end, out long value)
    {
        ulong raw = 0;
        for (var shift = 0; shift < 70 && (uint)position < (uint)end; shift += 7)
        {
            ulong b = span[position++];
            raw |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                return position;
            }
        }
        value = 0;
        return -1;
    }
}
