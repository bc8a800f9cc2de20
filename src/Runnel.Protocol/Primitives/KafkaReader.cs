using System.Buffers.Binary;
using System.Text;

namespace Runnel.Protocol.Primitives;

/// <summary>
/// Reads Kafka wire primitives from one frame. Failure is sticky: after the first malformed value every read
/// returns a default and <see cref="Failure"/> says what went wrong, so decoders read everything and check once.
/// Every declared length or count is checked against the bytes that remain before anything is allocated.
/// Byte slices (records) point into the frame's memory, so the frame must outlive the decoded message.
/// </summary>
public ref struct KafkaReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    public KafkaReader(ReadOnlyMemory<byte> memory)
    {
        _memory = memory;
        _span = memory.Span;
        _position = 0;
        Failure = null;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _span.Length - _position;

    public readonly bool Failed => Failure is not null;

    /// <summary>The first decoding problem, with the byte position where it was found; null while all is well.</summary>
    public string? Failure { get; private set; }

    public void Fail(string reason)
    {
        Failure ??= $"{reason} (at byte {_position} of {_span.Length})";
        _position = _span.Length;
    }

    private bool Need(int count)
    {
        if (count <= _span.Length - _position && count >= 0)
            return true;
        Fail($"needed {count} bytes, {_span.Length - _position} remain");
        return false;
    }

    public sbyte ReadInt8() => Need(1) ? (sbyte)_span[_position++] : (sbyte)0;

    public bool ReadBool() => Need(1) && _span[_position++] != 0;

    public short ReadInt16()
    {
        if (!Need(2))
            return 0;
        var value = BinaryPrimitives.ReadInt16BigEndian(_span[_position..]);
        _position += 2;
        return value;
    }

    public ushort ReadUInt16() => (ushort)ReadInt16();

    public int ReadInt32()
    {
        if (!Need(4))
            return 0;
        var value = BinaryPrimitives.ReadInt32BigEndian(_span[_position..]);
        _position += 4;
        return value;
    }

    public uint ReadUInt32() => (uint)ReadInt32();

    public long ReadInt64()
    {
        if (!Need(8))
            return 0;
        var value = BinaryPrimitives.ReadInt64BigEndian(_span[_position..]);
        _position += 8;
        return value;
    }

    public double ReadFloat64() => BitConverter.Int64BitsToDouble(ReadInt64());

    public Guid ReadUuid()
    {
        if (!Need(16))
            return Guid.Empty;
        var value = new Guid(_span.Slice(_position, 16), bigEndian: true);
        _position += 16;
        return value;
    }

    /// <summary>Kafka's UNSIGNED_VARINT: at most five bytes, low seven bits first.</summary>
    public uint ReadUnsignedVarInt()
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (!Need(1))
                return 0;
            uint b = _span[_position++];
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
        Fail("unsigned varint longer than five bytes");
        return 0;
    }

    /// <summary>Signed zigzag VARINT, as used inside records.</summary>
    public int ReadVarInt()
    {
        var raw = ReadUnsignedVarInt();
        return (int)(raw >> 1) ^ -(int)(raw & 1);
    }

    /// <summary>Signed zigzag VARLONG, as used inside records.</summary>
    public long ReadVarLong()
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (!Need(1))
                return 0;
            ulong b = _span[_position++];
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return (long)(value >> 1) ^ -(long)(value & 1);
        }
        Fail("varlong longer than ten bytes");
        return 0;
    }

    /// <summary>
    /// Reads a length prefix: int16/int32 when not compact, uvarint(N+1) when compact. Returns -1 for null
    /// (failing when null is not allowed) and fails when the length exceeds what remains.
    /// </summary>
    private int ReadLength(bool compact, bool nullable, bool wide, string what)
    {
        long length = compact ? (long)ReadUnsignedVarInt() - 1 : wide ? ReadInt32() : ReadInt16();
        if (Failed)
            return 0;
        if (length == -1)
        {
            if (nullable)
                return -1;
            Fail($"null {what} where the schema does not allow it");
            return 0;
        }
        if (length < 0 || length > Remaining)
        {
            Fail($"{what} length {length} is invalid, {Remaining} bytes remain");
            return 0;
        }
        return (int)length;
    }

    public string? ReadString(bool compact, bool nullable)
    {
        var length = ReadLength(compact, nullable, wide: false, "string");
        if (length < 0)
            return null;
        if (length == 0)
            return string.Empty;
        var value = Encoding.UTF8.GetString(_span.Slice(_position, length));
        _position += length;
        return value;
    }

    /// <summary>A non-nullable string; a null on the wire is a failure and yields "".</summary>
    public string ReadString(bool compact) => ReadString(compact, nullable: false) ?? string.Empty;

    public byte[]? ReadBytes(bool compact, bool nullable)
    {
        var length = ReadLength(compact, nullable, wide: true, "bytes");
        if (length < 0)
            return null;
        var value = _span.Slice(_position, length).ToArray();
        _position += length;
        return value;
    }

    /// <summary>A records field: a slice of the frame (no copy), or null.</summary>
    public ReadOnlyMemory<byte>? ReadRecords(bool compact)
    {
        var length = ReadLength(compact, nullable: true, wide: true, "records");
        if (length < 0)
            return null;
        var value = _memory.Slice(_position, length);
        _position += length;
        return value;
    }

    /// <summary>
    /// Reads an array count; -1 means null. A count whose elements could not fit in the remaining bytes,
    /// given each element's smallest encoding, fails here, before any list is allocated.
    /// </summary>
    public int ReadArrayLength(bool compact, bool nullable, int minElementSize)
    {
        long count = compact ? (long)ReadUnsignedVarInt() - 1 : ReadInt32();
        if (Failed)
            return 0;
        if (count == -1)
        {
            if (nullable)
                return -1;
            Fail("null array where the schema does not allow it");
            return 0;
        }
        if (count < 0 || count * Math.Max(minElementSize, 1) > Remaining)
        {
            Fail($"array count {count} is invalid, {Remaining} bytes remain");
            return 0;
        }
        return (int)count;
    }

    /// <summary>Reads a count of tagged fields; each needs at least two bytes.</summary>
    public int ReadTaggedFieldCount()
    {
        var count = ReadUnsignedVarInt();
        if (count > (uint)Remaining / 2)
        {
            Fail($"tagged field count {count} is invalid, {Remaining} bytes remain");
            return 0;
        }
        return (int)count;
    }

    /// <summary>Reads a tagged field's size and returns the position where the field ends.</summary>
    public int BeginTaggedField()
    {
        var size = ReadUnsignedVarInt();
        if (size > (uint)Remaining)
        {
            Fail($"tagged field size {size} is invalid, {Remaining} bytes remain");
            return _position;
        }
        return _position + (int)size;
    }

    /// <summary>Checks that a known tagged field was decoded within its declared size and moves past it.</summary>
    public void EndTaggedField(int end)
    {
        if (Failed)
            return;
        if (_position > end)
            Fail("tagged field overran its declared size");
        else
            _position = end;
    }

    /// <summary>Copies the bytes of an unknown tagged field so the message can write it back unchanged.</summary>
    public byte[] ReadTaggedFieldData(int end)
    {
        if (Failed)
            return [];
        var data = _span[_position..end].ToArray();
        _position = end;
        return data;
    }

    /// <summary>Reads a whole tagged-field section of a struct that knows no tags; null when it is empty.</summary>
    public List<RawTaggedField>? ReadUnknownTaggedFields()
    {
        List<RawTaggedField>? fields = null;
        var count = ReadTaggedFieldCount();
        for (var i = 0; i < count && !Failed; i++)
        {
            var tag = ReadUnsignedVarInt();
            var end = BeginTaggedField();
            (fields ??= []).Add(new RawTaggedField((int)tag, ReadTaggedFieldData(end)));
        }
        return fields;
    }

    public void Skip(int length)
    {
        if (Need(length))
            _position += length;
    }
}
