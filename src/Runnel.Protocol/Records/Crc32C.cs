using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Runnel.Protocol.Records;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of record batches. <see cref="BitOperations.Crc32C(uint, ulong)"/> maps to
/// the SSE4.2 / ARMv8 CRC instruction, eight bytes per step; never a table or byte loop on the hot path.
/// </summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC over more bytes; <c>Append(Append(0, a), b) == Compute(a + b)</c>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var state = ~crc;
        var longs = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var word in longs)
            state = BitOperations.Crc32C(state, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
        foreach (var b in data[(longs.Length * sizeof(ulong))..])
            state = BitOperations.Crc32C(state, b);
        return ~state;
    }
}
