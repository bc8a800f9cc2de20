using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Runnel.Protocol.Records;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of record batches. <see cref="BitOperations.Crc32C(uint, ulong)"/> maps to
/// the SSE4.2 / ARMv8 CRC instruction, eight bytes per step; never a table or byte loop on the hot path.
/// The instruction has a latency of about three cycles but issues every cycle, so one dependent chain runs at a
/// third of its speed: long inputs are cut into rounds of three equal blocks checksummed as three independent
/// chains, then joined. Joining uses linearity: a state followed by n zero bytes is a fixed linear map of the state
/// (multiplication by x^8n mod P), so crc(A|B|C) = shift(shift(crc(A)) ^ crc(B)) ^ crc(C) with per-block-size
/// shift tables built at start-up.
/// </summary>
public static class Crc32C
{
    private const int LongBlock = 8192;
    private const int ShortBlock = 256;
    private static readonly uint[] LongShift = BuildShiftTable(LongBlock);
    private static readonly uint[] ShortShift = BuildShiftTable(ShortBlock);

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC over more bytes; <c>Append(Append(0, a), b) == Compute(a + b)</c>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var state = ~crc;
        if (data.Length >= 3 * ShortBlock)
        {
            var rounds = data.Length / (3 * LongBlock);
            state = ThreeWay(state, data, LongBlock, rounds, LongShift);
            data = data[(rounds * 3 * LongBlock)..];
            rounds = data.Length / (3 * ShortBlock);
            state = ThreeWay(state, data, ShortBlock, rounds, ShortShift);
            data = data[(rounds * 3 * ShortBlock)..];
        }
        return ~Serial(state, data);
    }

    private static uint Serial(uint state, ReadOnlySpan<byte> data)
    {
        var longs = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var word in longs)
            state = BitOperations.Crc32C(state, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
        foreach (var b in data[(longs.Length * sizeof(ulong))..])
            state = BitOperations.Crc32C(state, b);
        return state;
    }

    /// <summary>Runs <paramref name="rounds"/> rounds of three <paramref name="block"/>-byte chains over the start of <paramref name="data"/>.</summary>
    private static uint ThreeWay(uint state, ReadOnlySpan<byte> data, int block, int rounds, uint[] shift)
    {
        // The bounds are established once here; the loop reads inside rounds * 3 * block <= data.Length.
        if ((long)rounds * 3 * block > data.Length)
            throw new ArgumentOutOfRangeException(nameof(rounds));
        ref var start = ref MemoryMarshal.GetReference(data);
        for (var r = 0; r < rounds; r++)
        {
            ref var a = ref Unsafe.Add(ref start, r * 3 * block);
            ref var b = ref Unsafe.Add(ref a, block);
            ref var c = ref Unsafe.Add(ref a, 2 * block);
            uint s0 = state, s1 = 0, s2 = 0;
            for (var i = 0; i < block; i += sizeof(ulong))
            {
                s0 = BitOperations.Crc32C(s0, Read(ref a, i));
                s1 = BitOperations.Crc32C(s1, Read(ref b, i));
                s2 = BitOperations.Crc32C(s2, Read(ref c, i));
            }
            state = Shift(Shift(s0, shift) ^ s1, shift) ^ s2;
        }
        return state;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read(ref byte at, int offset)
    {
        var word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref at, offset));
        return BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word);
    }

    /// <summary>The state after a block of zero bytes: four lookups, one per byte of the state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Shift(uint state, uint[] table)
        => table[(byte)state] ^ table[256 + (byte)(state >> 8)] ^ table[512 + (byte)(state >> 16)] ^ table[768 + (state >> 24)];

    /// <summary>
    /// Entry [256k + v] is the state after <paramref name="block"/> zero bytes starting from v placed in byte k of the
    /// state. The map is linear, so the 32 single-bit images (computed with the instruction itself) give every entry.
    /// </summary>
    private static uint[] BuildShiftTable(int block)
    {
        Span<uint> bitImages = stackalloc uint[32];
        for (var bit = 0; bit < 32; bit++)
        {
            var state = 1u << bit;
            for (var i = 0; i < block; i += sizeof(ulong))
                state = BitOperations.Crc32C(state, 0UL);
            bitImages[bit] = state;
        }
        var table = new uint[4 * 256];
        for (var k = 0; k < 4; k++)
        {
            for (var v = 1; v < 256; v++)
            {
                uint image = 0;
                for (var bit = 0; bit < 8; bit++)
                {
                    if ((v & (1 << bit)) != 0)
                        image ^= bitImages[8 * k + bit];
                }
                table[256 * k + v] = image;
            }
        }
        return table;
    }
}
