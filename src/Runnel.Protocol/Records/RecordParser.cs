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
        var p = ReadVarInt(records, start, records.Length, out var length);
        if (p < 0)
            return ProblemKind.RecordLengthUnreadable;
        if (length < MinBodySize || length > records.Length - p)
        {
            f.DetailA = length;
            f.DetailB = records.Length - p;
            return ProblemKind.RecordLengthDoesNotFit;
        }
        var end = p + length;

        // Locals until the end keep the walk in registers; f is written once.
        long timestampDelta;
        var q = p + 1;
        uint b = records[q];
        if (b < 0x80)
        {
            timestampDelta = ZigZag(b);
            q++;
        }
        else if ((q = ReadVarLongSlow(records, q, end, out timestampDelta)) < 0)
        {
            return ProblemKind.DeltasUnreadable;
        }
        if ((q = ReadVarInt(records, q, end, out var offsetDelta)) < 0)
            return ProblemKind.DeltasUnreadable;
        if ((q = ReadLength(records, q, end, out var keyLength)) < 0)
            return ProblemKind.KeyLength;
        var keyStart = q;
        if (keyLength > 0)
            q += keyLength;
        if ((q = ReadLength(records, q, end, out var valueLength)) < 0)
            return ProblemKind.ValueLength;
        var valueStart = q;
        if (valueLength > 0)
            q += valueLength;
        var countAt = q;
        if ((q = ReadVarInt(records, q, end, out var headerCount)) < 0 || headerCount < 0 || headerCount > (end - q) / 2)
        {
            f.DetailA = headerCount;
            f.DetailB = end - countAt;
            return ProblemKind.HeaderCount;
        }
        var headersStart = q;
        for (var i = 0; i < headerCount; i++)
        {
            f.DetailA = i;
            if ((q = ReadLength(records, q, end, out var headerKeyLength)) < 0 || headerKeyLength < 0)
                return ProblemKind.HeaderKey;
            q += headerKeyLength;
            if ((q = ReadLength(records, q, end, out var headerValueLength)) < 0)
                return ProblemKind.HeaderValue;
            if (headerValueLength > 0)
                q += headerValueLength;
        }
        if (q != end)
        {
            f.DetailA = q - p;
            f.DetailB = length;
            return ProblemKind.FieldsMismatch;
        }
        f.TimestampDelta = timestampDelta;
        f.OffsetDelta = offsetDelta;
        f.BodyStart = p;
        f.KeyStart = keyStart;
        f.KeyLength = keyLength;
        f.ValueStart = valueStart;
        f.ValueLength = valueLength;
        f.HeadersStart = headersStart;
        f.HeaderCount = headerCount;
        f.End = end;
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
        // One and two bytes (values up to +-8191: lengths of most keys, values and records) stay inline.
        if ((uint)position < (uint)end)
        {
            uint b = span[position];
            if (b < 0x80)
            {
                value = ZigZag(b);
                return position + 1;
            }
            if ((uint)(position + 1) < (uint)end)
            {
                uint b2 = span[position + 1];
                if (b2 < 0x80)
                {
                    value = ZigZag((b & 0x7F) | (b2 << 7));
                    return position + 2;
                }
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
