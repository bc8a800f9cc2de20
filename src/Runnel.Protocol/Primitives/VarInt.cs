namespace Runnel.Protocol.Primitives;

/// <summary>Base-128 varint arithmetic shared by the reader, the writer and the record codecs.</summary>
public static class VarInt
{
    /// <summary>Writes an unsigned varint and returns the number of bytes used (at most ten).</summary>
    public static int WriteUnsigned(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    public static int SizeOfUnsigned(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    public static uint ZigZag(int value) => (uint)((value << 1) ^ (value >> 31));

    public static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    public static int SizeOfSigned(int value) => SizeOfUnsigned(ZigZag(value));

    public static int SizeOfSigned(long value) => SizeOfUnsigned(ZigZag(value));
}
