using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Runnel.Protocol.Primitives;

/// <summary>
/// Writes Kafka wire primitives into a growable buffer rented from the shared pool. One writer is meant to be
/// reused (<see cref="Reset"/>) for many frames, so steady-state encoding allocates nothing.
/// </summary>
public sealed class KafkaWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public KafkaWriter(int initialCapacity = 4096)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 64));
    }

    public int Length => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Writable view of bytes already written, for patching a reserved length or CRC.</summary>
    public Span<byte> WrittenRegion(int offset, int length) => _buffer.AsSpan(offset, length);

    public void Reset() => _written = 0;

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int extra)
    {
        if (_buffer.Length - _written >= extra)
            return;
        var size = Math.Max(_buffer.Length * 2, _written + extra);
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        if (_buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    private Span<byte> Take(int count)
    {
        Ensure(count);
        var span = _buffer.AsSpan(_written, count);
        _written += count;
        return span;
    }

    public void WriteInt8(sbyte value) => Take(1)[0] = (byte)value;

    public void WriteBool(bool value) => Take(1)[0] = value ? (byte)1 : (byte)0;

    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Take(2), value);

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Take(4), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Take(8), value);

    public void WriteFloat64(double value) => WriteInt64(BitConverter.DoubleToInt64Bits(value));

    public void WriteUuid(Guid value)
    {
        if (!value.TryWriteBytes(Take(16), bigEndian: true, out _))
            throw new InvalidOperationException("UUID did not fit in 16 bytes.");
    }

    public void WriteUnsignedVarInt(uint value)
    {
        Ensure(5);
        _written += VarInt.WriteUnsigned(_buffer.AsSpan(_written), value);
    }

    public void WriteVarInt(int value) => WriteUnsignedVarInt((uint)((value << 1) ^ (value >> 31)));

    public void WriteVarLong(long value)
    {
        Ensure(10);
        _written += VarInt.WriteUnsigned(_buffer.AsSpan(_written), (ulong)((value << 1) ^ (value >> 63)));
    }

    /// <summary>A length prefix: int16/int32 normally, uvarint(N+1) when compact; -1 is null.</summary>
    private void WriteLength(int length, bool compact, bool wide)
    {
        if (compact)
            WriteUnsignedVarInt((uint)(length + 1));
        else if (wide)
            WriteInt32(length);
        else
            WriteInt16(checked((short)length));
    }

    /// <summary>Writes a string; a null where the version does not allow one is written as "".</summary>
    public void WriteString(string? value, bool compact, bool nullable)
    {
        if (value is null)
        {
            WriteLength(nullable ? -1 : 0, compact, wide: false);
            return;
        }
        var length = Encoding.UTF8.GetByteCount(value);
        if (!compact && length > short.MaxValue)
            throw new InvalidOperationException($"String of {length} bytes exceeds the int16 length limit.");
        WriteLength(length, compact, wide: false);
        Encoding.UTF8.GetBytes(value, Take(length));
    }

    public void WriteBytes(ReadOnlySpan<byte> value, bool compact)
    {
        WriteLength(value.Length, compact, wide: true);
        value.CopyTo(Take(value.Length));
    }

    public void WriteBytes(byte[]? value, bool compact, bool nullable)
    {
        if (value is null)
            WriteLength(nullable ? -1 : 0, compact, wide: true);
        else
            WriteBytes(value.AsSpan(), compact);
    }

    /// <summary>A records field; null is written as null where the version allows it and as an empty set where not.</summary>
    public void WriteRecords(ReadOnlyMemory<byte>? value, bool compact, bool nullable)
    {
        if (value is null)
            WriteLength(nullable ? -1 : 0, compact, wide: true);
        else
            WriteBytes(value.Value.Span, compact);
    }

    /// <summary>An array count; -1 is null, written as empty where the version does not allow null.</summary>
    public void WriteArrayLength(int count, bool compact, bool nullable)
        => WriteLength(count < 0 && !nullable ? 0 : count, compact, wide: true);

    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length));

    /// <summary>Reserves four bytes (a frame size or batch length) to be patched later; returns their offset.</summary>
    public int ReserveInt32()
    {
        var offset = _written;
        Take(4);
        return offset;
    }

    public void PatchInt32(int offset, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(offset, 4), value);

    /// <summary>
    /// Inserts, at <paramref name="start"/>, the uvarint size of everything written since then. Used for tagged
    /// fields, whose size precedes the value; values are small, so moving them is cheap.
    /// </summary>
    public void InsertSizePrefix(int start)
    {
        var size = (uint)(_written - start);
        Span<byte> prefix = stackalloc byte[5];
        var prefixLength = VarInt.WriteUnsigned(prefix, size);
        Ensure(prefixLength);
        _buffer.AsSpan(start, (int)size).CopyTo(_buffer.AsSpan(start + prefixLength));
        prefix[..prefixLength].CopyTo(_buffer.AsSpan(start));
        _written += prefixLength;
    }
}
